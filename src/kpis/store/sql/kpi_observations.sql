-- Raw observations of one KPI in a scope and date range, for drill-down tables.
SELECT period, region, department, value, source, loaded_at
FROM observations
WHERE kpi_id = $kpi_id
  AND period BETWEEN $start AND $end
  AND ($region IS NULL OR region = $region)
  AND ($department IS NULL OR department = $department)
ORDER BY period, region NULLS FIRST, department NULLS FIRST
