-- The newest version of one target key (NULL scope = all), with who set it and when.
SELECT version_id, target, changed_by, changed_at, reason
FROM target_versions
WHERE kpi_id = $kpi_id AND year = $year AND quarter = $quarter
  AND region IS NOT DISTINCT FROM $region AND department IS NOT DISTINCT FROM $department
ORDER BY changed_at DESC, version_id DESC
LIMIT 1
