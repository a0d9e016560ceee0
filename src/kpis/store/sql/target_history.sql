-- Every version of the targets of quarters ($y0,$q0)..($y1,$q1) in one exact scope, oldest first.
SELECT kpi_id, year, quarter, target, previous, version_id, changed_by, changed_at, reason
FROM target_versions
WHERE year * 4 + quarter BETWEEN $y0 * 4 + $q0 AND $y1 * 4 + $q1
  AND region IS NOT DISTINCT FROM $region AND department IS NOT DISTINCT FROM $department
ORDER BY kpi_id, year, quarter, changed_at, version_id
