-- Board-approved (frozen) quarters.
SELECT year, quarter, frozen_by, frozen_at, note
FROM frozen_quarters
ORDER BY year, quarter
