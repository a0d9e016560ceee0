-- Regions and departments that have observations, for the filters.
SELECT DISTINCT region, department
FROM observations
WHERE region IS NOT NULL OR department IS NOT NULL
ORDER BY region NULLS FIRST, department NULLS FIRST
