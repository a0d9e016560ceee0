-- Targets in force at $as_of for quarters from ($y0, $q0) to ($y1, $q1), for the scope and every
-- broader scope it can inherit from (the caller picks the most specific one per KPI). With
-- $all_regions, every region's own targets too (one read for a page that shows every region).
SELECT kpi_id, year, quarter, region, department, target, previous, version_id, changed_by,
       changed_at, reason
FROM target_versions
WHERE year * 4 + quarter BETWEEN $y0 * 4 + $q0 AND $y1 * 4 + $q1
  AND (region IS NULL OR region = $region OR $all_regions)
  AND (department IS NULL OR department = $department)
  AND changed_at <= $as_of
QUALIFY row_number() OVER (
    PARTITION BY kpi_id, year, quarter, region, department
    ORDER BY changed_at DESC, version_id DESC
) = 1
