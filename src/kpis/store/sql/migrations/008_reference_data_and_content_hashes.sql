-- Schema version 8: event files are known by their content (a renamed copy is the same file; a file
-- rewritten in place is a new one); regions, departments and programs become master data; a program
-- has a start date (so its ledger accrues to calendar quarters); scenarios may state a yearly run cost.
ALTER TABLE event_files ADD COLUMN content_sha256 VARCHAR;

CREATE TABLE departments (
    name        VARCHAR PRIMARY KEY,
    name_es     VARCHAR,
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE programs (
    name        VARCHAR PRIMARY KEY,
    started     DATE,
    updated_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

ALTER TABLE regions ADD COLUMN name_es VARCHAR;
ALTER TABLE value_scenarios ADD COLUMN run_cost DOUBLE;

-- Reference data for stores made before version 8: every name already in use becomes known.
INSERT INTO departments (name, updated_by, updated_at)
SELECT DISTINCT department, 'migration', now()::TIMESTAMP FROM observations WHERE department IS NOT NULL
UNION SELECT DISTINCT department, 'migration', now()::TIMESTAMP FROM target_versions WHERE department IS NOT NULL
UNION SELECT DISTINCT department, 'migration', now()::TIMESTAMP FROM use_cases WHERE department IS NOT NULL;

INSERT INTO programs (name, started, updated_by, updated_at)
SELECT DISTINCT program, NULL::DATE, 'migration', now()::TIMESTAMP FROM value_streams
UNION SELECT DISTINCT program, NULL::DATE, 'migration', now()::TIMESTAMP FROM investments;

INSERT INTO regions (name, language, currency, date_format, regulators, ai_rules, residency, residency_required,
                     validation, validation_required, updated_by, updated_at)
SELECT DISTINCT r, '', '', '', '', '', '', false, '', false, 'migration', now()::TIMESTAMP
FROM (SELECT region AS r FROM observations UNION SELECT region FROM target_versions
      UNION SELECT region FROM use_cases) AS used
WHERE r IS NOT NULL AND r NOT IN (SELECT name FROM regions);
