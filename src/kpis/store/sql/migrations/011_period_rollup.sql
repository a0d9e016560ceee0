-- Schema version 11: per-period totals of the observations by region, kept on every write, so an
-- organisation's or a region's quarters are read from thousands of rows instead of millions.
-- One row per (KPI, period, region, whether the observation names a department): the exact sum
-- (DECIMAL, as the scorecard adds), the count, the largest and smallest value, the latest load.
-- It is derived data: the `rollup_stamp` setting says which state of the observations it was built
-- from, and reads fall back to the observations themselves whenever the stamp does not match.
CREATE TABLE period_rollup (
    kpi_id          VARCHAR NOT NULL,
    period          DATE NOT NULL,
    region          VARCHAR,
    has_department  BOOLEAN NOT NULL,
    v_sum           DECIMAL(38, 10),
    n               BIGINT NOT NULL,
    v_max           DOUBLE NOT NULL,
    v_min           DOUBLE NOT NULL,
    last_loaded     TIMESTAMP NOT NULL
);
