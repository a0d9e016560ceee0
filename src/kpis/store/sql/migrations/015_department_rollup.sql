-- Schema version 15: per-period totals of the observations by department, kept with period_rollup on every
-- write, so a department's quarters are read from its own few rows instead of every observation (at 100 M
-- observations a department's read scanned them all). One row per (KPI, period, department, whether the
-- observation names a region), the same figures as period_rollup: exact sum, count, extremes, latest load.
-- Derived data under the same `rollup_stamp`: removing the stamp here makes the first session after the
-- upgrade build both roll-ups from the observations before anything reads them.
CREATE TABLE department_rollup (
    kpi_id          VARCHAR NOT NULL,
    period          DATE NOT NULL,
    department      VARCHAR NOT NULL,
    has_region      BOOLEAN NOT NULL,
    v_sum           DECIMAL(38, 10),
    n               BIGINT NOT NULL,
    v_max           DOUBLE NOT NULL,
    v_min           DOUBLE NOT NULL,
    last_loaded     TIMESTAMP NOT NULL
);
DELETE FROM settings WHERE key = 'rollup_stamp';
