-- The first period (on or before $end) a KPI was above zero in a scope, at any depth below it.
SELECT min(period) AS first_period
FROM observations
WHERE kpi_id = $kpi_id AND value > 0 AND period <= $end
  AND ($region IS NULL OR region = $region)
  AND ($department IS NULL OR department = $department)
