-- Schema version 7: the innovation funnel (use cases and their stage history), the regions'
-- localisation and regulation table, and per-user preferences (language).
CREATE TABLE use_cases (
    name           VARCHAR PRIMARY KEY,
    stage          VARCHAR NOT NULL,
    horizon        VARCHAR NOT NULL,
    pattern        VARCHAR,
    region         VARCHAR,
    department     VARCHAR,
    started        DATE,
    stage_changed  DATE,
    updated_by     VARCHAR NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE use_case_stages (
    name         VARCHAR NOT NULL,
    stage        VARCHAR NOT NULL,
    entered      DATE NOT NULL,
    recorded_by  VARCHAR NOT NULL,
    recorded_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (name, stage, entered)
);

CREATE TABLE regions (
    name                 VARCHAR PRIMARY KEY,
    language             VARCHAR NOT NULL,
    currency             VARCHAR NOT NULL,
    date_format          VARCHAR NOT NULL,
    regulators           VARCHAR NOT NULL,
    ai_rules             VARCHAR NOT NULL,
    residency            VARCHAR NOT NULL,
    residency_required   BOOLEAN NOT NULL,
    validation           VARCHAR NOT NULL,
    validation_required  BOOLEAN NOT NULL,
    updated_by           VARCHAR NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);

CREATE TABLE user_preferences (
    actor       VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,
    value       VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (actor, key)
);
