-- Quarter values per KPI for one scope ($region / $department NULL = all) between $start and $end
-- ($kpi: one KPI only, or NULL for every KPI).
-- Per period: an observation at the scope itself (depth 0) wins; otherwise the shallowest level of
-- children (region-level before department-level before both) rolls up by the KPI's across-scope
-- rule. Then each quarter's periods aggregate by the KPI's over-time rule. Sums and means add
-- DECIMAL(38, 10) values: exact, so a figure never depends on the order parallel threads see the
-- rows in (the same data always gives the same digits; a restored backup reproduces it exactly).
-- Inputs are bounded to 1e15 (records.MAX_MAGNITUDE); TRY_CAST keeps pages working on a store written
-- before that bound (such a value counts as missing instead of failing the query for every user).
-- $rolled (the roll-ups match the observations): a scope without a department reads the per-period
-- totals of period_rollup instead of the observations, a department across all regions those of
-- department_rollup; the same exact sums, counts and extremes, so the same digits. Only one branch of
-- `totals` runs: the others' conditions are false once bound.
WITH totals AS (
    SELECT o.kpi_id, o.period,
           (CASE WHEN $region IS NULL AND o.region IS NOT NULL THEN 1 ELSE 0 END)
         + (CASE WHEN $department IS NULL AND o.department IS NOT NULL THEN 2 ELSE 0 END) AS depth,
           TRY_CAST(o.value AS DECIMAL(38, 10)) AS v_sum, 1 AS n, o.value AS v_max, o.value AS v_min
    FROM observations AS o
    WHERE NOT ($rolled AND ($department IS NULL OR $region IS NULL))
      AND o.period BETWEEN $start AND $end
      AND ($region IS NULL OR o.region = $region)
      AND ($department IS NULL OR o.department = $department)
      AND ($kpi IS NULL OR o.kpi_id = $kpi)
    UNION ALL
    SELECT r.kpi_id, r.period,
           (CASE WHEN $region IS NULL AND r.region IS NOT NULL THEN 1 ELSE 0 END)
         + (CASE WHEN r.has_department THEN 2 ELSE 0 END) AS depth,
           r.v_sum, r.n, r.v_max, r.v_min
    FROM period_rollup AS r
    WHERE $rolled AND $department IS NULL
      AND r.period BETWEEN $start AND $end
      AND ($region IS NULL OR r.region = $region)
      AND ($kpi IS NULL OR r.kpi_id = $kpi)
    UNION ALL
    SELECT d.kpi_id, d.period,
           CASE WHEN d.has_region THEN 1 ELSE 0 END AS depth,
           d.v_sum, d.n, d.v_max, d.v_min
    FROM department_rollup AS d
    WHERE $rolled AND $department IS NOT NULL AND $region IS NULL
      AND d.department = $department
      AND d.period BETWEEN $start AND $end
      AND ($kpi IS NULL OR d.kpi_id = $kpi)
),
by_depth AS (
    SELECT kpi_id, period, depth,
           sum(v_sum)::DOUBLE AS v_sum,
           (sum(v_sum) / sum(n)::BIGINT)::DOUBLE AS v_mean,
           max(v_max) AS v_max, min(v_min) AS v_min
    FROM totals
    GROUP BY kpi_id, period, depth
),
per_period AS (  -- the shallowest level per period (a subquery, not QUALIFY: the PostgreSQL store runs this too)
    SELECT kpi_id, period, value FROM (
        SELECT b.kpi_id, b.period,
               CASE k.across_scope
                   WHEN 'sum' THEN b.v_sum
                   WHEN 'mean' THEN b.v_mean
                   WHEN 'max' THEN b.v_max
                   ELSE b.v_min
               END AS value,
               b.depth, min(b.depth) OVER (PARTITION BY b.kpi_id, b.period) AS shallowest
        FROM by_depth AS b
        JOIN kpis AS k USING (kpi_id)
    ) AS d
    WHERE depth = shallowest
)
SELECT p.kpi_id,
       year(p.period) AS year,
       quarter(p.period) AS quarter,
       CASE k.over_time
           WHEN 'sum' THEN sum(TRY_CAST(p.value AS DECIMAL(38, 10)))::DOUBLE
           WHEN 'mean' THEN (sum(TRY_CAST(p.value AS DECIMAL(38, 10))) / count(p.value))::DOUBLE
           WHEN 'max' THEN max(p.value)
           WHEN 'min' THEN min(p.value)
           WHEN 'last' THEN arg_max(p.value, p.period)
           ELSE quantile_cont(p.value, 0.95)
       END AS actual,
       count(*) AS periods,
       max(p.period) AS last_period
FROM per_period AS p
JOIN kpis AS k USING (kpi_id)
GROUP BY p.kpi_id, year(p.period), quarter(p.period), k.over_time
ORDER BY p.kpi_id, year, quarter
