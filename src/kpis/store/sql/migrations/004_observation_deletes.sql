-- Schema version 4: deleted observations are kept (who, when, why), never silently lost.
CREATE TABLE deleted_observations (
    obs_id      BIGINT NOT NULL,
    kpi_id      VARCHAR NOT NULL,
    period      DATE NOT NULL,
    region      VARCHAR,
    department  VARCHAR,
    value       DOUBLE NOT NULL,
    source      VARCHAR,
    loaded_at   TIMESTAMP NOT NULL,
    deleted_by  VARCHAR NOT NULL,
    deleted_at  TIMESTAMP NOT NULL,
    reason      VARCHAR
);
