-- Quarters that have at least one observation, newest first, with the latest load time.
SELECT year(period) AS year, quarter(period) AS quarter, count(*) AS observations,
       max(loaded_at) AS loaded_at
FROM observations
GROUP BY 1, 2
ORDER BY year DESC, quarter DESC
