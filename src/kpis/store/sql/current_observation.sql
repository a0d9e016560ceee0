-- The stored observation for one key, if any (obs_id is its version: a change gives a new id).
SELECT obs_id, value, source, loaded_at
FROM observations
WHERE kpi_id = $kpi_id AND period = $period
  AND region IS NOT DISTINCT FROM $region AND department IS NOT DISTINCT FROM $department
