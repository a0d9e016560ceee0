-- Schema version 12: programs carry a Spanish name as data, like regions and departments (`import programs`
-- reads name, start_date and name_es; an import may name a program, region or department in either language).
ALTER TABLE programs ADD COLUMN name_es VARCHAR;
