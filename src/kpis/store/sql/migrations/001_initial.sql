-- Schema version 1: catalog, observations, versioned targets, audit log.
CREATE TABLE kpis (
    kpi_id        VARCHAR PRIMARY KEY,
    family        VARCHAR NOT NULL,
    unit          VARCHAR NOT NULL,
    direction     VARCHAR NOT NULL,
    over_time     VARCHAR NOT NULL,
    across_scope  VARCHAR NOT NULL,
    error_budget  BOOLEAN NOT NULL,
    definition    JSON NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE SEQUENCE observation_ids;
-- One row per (kpi_id, period, region, department); NULL scope = "all". The write path
-- replaces an existing key instead of adding a duplicate (the old value goes to the audit log).
CREATE TABLE observations (
    obs_id      BIGINT PRIMARY KEY DEFAULT nextval('observation_ids'),
    kpi_id      VARCHAR NOT NULL,
    period      DATE NOT NULL,
    region      VARCHAR,
    department  VARCHAR,
    value       DOUBLE NOT NULL,
    source      VARCHAR,
    loaded_at   TIMESTAMP NOT NULL
);

CREATE SEQUENCE target_version_ids;
-- Append-only: the target in force is the newest version of its key; target NULL = removed.
CREATE TABLE target_versions (
    version_id  BIGINT PRIMARY KEY DEFAULT nextval('target_version_ids'),
    kpi_id      VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    region      VARCHAR,
    department  VARCHAR,
    target      DOUBLE,
    previous    DOUBLE,
    changed_by  VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    reason      VARCHAR
);

CREATE SEQUENCE audit_ids;
CREATE TABLE audit_log (
    audit_id    BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
    logged_at   TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    channel     VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    entity      VARCHAR NOT NULL,
    entity_key  VARCHAR NOT NULL,
    kpi_id      VARCHAR,
    old_value   JSON,
    new_value   JSON,
    reason      VARCHAR
);
