-- Every use case with its current stage.
SELECT name, stage, horizon, pattern, region, department, started, stage_changed
FROM use_cases
ORDER BY name
