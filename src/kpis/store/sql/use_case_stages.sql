-- Stage history of every use case, oldest first.
SELECT name, stage, entered
FROM use_case_stages
ORDER BY name, entered
