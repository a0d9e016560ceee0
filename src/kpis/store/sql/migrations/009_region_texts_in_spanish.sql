-- Schema version 9: the regions' regulation table carries its texts in Spanish too (the language,
-- AI rules, data residency and model validation columns), so a Spanish page or deck never shows the
-- English words. Empty means "same as the English text" (names of laws and regulators are not translated).
ALTER TABLE regions ADD COLUMN language_es VARCHAR;
ALTER TABLE regions ADD COLUMN ai_rules_es VARCHAR;
ALTER TABLE regions ADD COLUMN residency_es VARCHAR;
ALTER TABLE regions ADD COLUMN validation_es VARCHAR;
