-- Quarters that have at least one observation, newest first, with the latest load time.
-- $rolled (period_rollup matches the observations): counted from its per-period totals instead.
WITH counted AS (
    SELECT period, 1 AS n, loaded_at FROM observations WHERE NOT $rolled
    UNION ALL
    SELECT period, n, last_loaded AS loaded_at FROM period_rollup WHERE $rolled
)
SELECT year(period) AS year, quarter(period) AS quarter, sum(n)::BIGINT AS observations,
       max(loaded_at) AS loaded_at
FROM counted
GROUP BY 1, 2
ORDER BY year DESC, quarter DESC
