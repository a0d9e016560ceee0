-- Quarter values per KPI for every region at once (each region's own scope: region = R, all
-- departments), between $start and $end: the same rules as quarter_values.sql, grouped by region,
-- so a page that shows every region reads the observations once instead of once per region.
-- Per period: an observation at the scope itself (depth 0) wins; otherwise the shallowest level of
-- children (region-level before department-level before both) rolls up by the KPI's across-scope
-- rule. Then each quarter's periods aggregate by the KPI's over-time rule. Sums and means add
-- DECIMAL(38, 10) values: exact, so a figure never depends on the order parallel threads see the
-- rows in (the same data always gives the same digits; a restored backup reproduces it exactly).
-- Inputs are bounded to 1e15 (records.MAX_MAGNITUDE); TRY_CAST keeps pages working on a store written
-- before that bound (such a value counts as missing instead of failing the query for every user).
WITH totals AS (  -- $rolled: per-period totals from period_rollup (see quarter_values.sql)
    SELECT o.region, o.kpi_id, o.period,
           CASE WHEN o.department IS NOT NULL THEN 2 ELSE 0 END AS depth,
           TRY_CAST(o.value AS DECIMAL(38, 10)) AS v_sum, 1 AS n, o.value AS v_max, o.value AS v_min
    FROM observations AS o
    WHERE NOT $rolled
      AND o.period BETWEEN $start AND $end
      AND o.region IS NOT NULL
    UNION ALL
    SELECT r.region, r.kpi_id, r.period,
           CASE WHEN r.has_department THEN 2 ELSE 0 END AS depth,
           r.v_sum, r.n, r.v_max, r.v_min
    FROM period_rollup AS r
    WHERE $rolled
      AND r.period BETWEEN $start AND $end
      AND r.region IS NOT NULL
),
by_depth AS (
    SELECT region, kpi_id, period, depth,
           sum(v_sum)::DOUBLE AS v_sum,
           (sum(v_sum) / sum(n)::BIGINT)::DOUBLE AS v_mean,
           max(v_max) AS v_max, min(v_min) AS v_min
    FROM totals
    GROUP BY region, kpi_id, period, depth
),
per_period AS (  -- the shallowest level per period (a subquery, not QUALIFY: the PostgreSQL store runs this too)
    SELECT region, kpi_id, period, value FROM (
        SELECT b.region, b.kpi_id, b.period,
               CASE k.across_scope
                   WHEN 'sum' THEN b.v_sum
                   WHEN 'mean' THEN b.v_mean
                   WHEN 'max' THEN b.v_max
                   ELSE b.v_min
               END AS value,
               b.depth, min(b.depth) OVER (PARTITION BY b.region, b.kpi_id, b.period) AS shallowest
        FROM by_depth AS b
        JOIN kpis AS k USING (kpi_id)
    ) AS d
    WHERE depth = shallowest
)
SELECT p.region,
       p.kpi_id,
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
GROUP BY p.region, p.kpi_id, year(p.period), quarter(p.period), k.over_time
ORDER BY p.region, p.kpi_id, year, quarter
