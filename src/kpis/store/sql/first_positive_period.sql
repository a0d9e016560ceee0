-- The first period (on or before $end) a KPI was above zero in a scope, at any depth below it.
-- $rolled (the roll-ups match the observations): a scope without a department reads the per-period
-- maxima of period_rollup instead of the observations, a department across all regions those of
-- department_rollup (some value above zero is a maximum above zero).
SELECT min(period) AS first_period
FROM (
    SELECT period FROM observations
    WHERE NOT ($rolled AND ($department IS NULL OR $region IS NULL))
      AND kpi_id = $kpi_id AND value > 0 AND period <= $end
      AND ($region IS NULL OR region = $region)
      AND ($department IS NULL OR department = $department)
    UNION ALL
    SELECT period FROM period_rollup
    WHERE $rolled AND $department IS NULL
      AND kpi_id = $kpi_id AND v_max > 0 AND period <= $end
      AND ($region IS NULL OR region = $region)
    UNION ALL
    SELECT period FROM department_rollup
    WHERE $rolled AND $department IS NOT NULL AND $region IS NULL
      AND kpi_id = $kpi_id AND department = $department AND v_max > 0 AND period <= $end
) AS positive
