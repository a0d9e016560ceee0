-- The incoming targets (registered as incoming_targets) that differ from the version in force,
-- each with the value it replaces (NULL for a new key); kept as a temporary table for the two inserts.
CREATE TEMP TABLE changed_targets AS
WITH current AS (
    SELECT * FROM target_versions
    QUALIFY row_number() OVER (
        PARTITION BY kpi_id, year, quarter, region, department
        ORDER BY changed_at DESC, version_id DESC) = 1
)
SELECT i.*, t.target AS previous
FROM incoming_targets AS i
LEFT JOIN current AS t
  ON t.kpi_id = i.kpi_id AND t.year = i.year AND t.quarter = i.quarter
 AND t.region IS NOT DISTINCT FROM i.region AND t.department IS NOT DISTINCT FROM i.department
WHERE t.version_id IS NULL OR t.target IS DISTINCT FROM i.target
