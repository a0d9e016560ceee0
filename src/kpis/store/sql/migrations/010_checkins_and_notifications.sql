-- Schema version 10: check-ins on KPIs (every one kept: the latest shows, the rest is history),
-- who is told what by email (subscriptions), what each person has been told (so an alert is sent
-- once), and deliveries that failed (retried on the next run, never lost silently).
CREATE SEQUENCE checkin_ids;
CREATE TABLE checkins (
    checkin_id  BIGINT PRIMARY KEY DEFAULT nextval('checkin_ids'),
    kpi_id      VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL,
    region      VARCHAR,
    department  VARCHAR,
    note        VARCHAR NOT NULL,
    owner       VARCHAR,
    confidence  VARCHAR NOT NULL,
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE subscriptions (
    email       VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,   -- digest, alerts or both
    region      VARCHAR,
    department  VARCHAR,
    lang        VARCHAR NOT NULL,
    created_by  VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- one row per (person, thing told): an alert's key is its kind, KPI, quarter, scope and new state
CREATE TABLE notifications_sent (
    email     VARCHAR NOT NULL,
    item_key  VARCHAR NOT NULL,
    sent_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (email, item_key)
);

CREATE TABLE notification_failures (
    failed_at  TIMESTAMP NOT NULL,
    email      VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,   -- digest or alerts
    error      VARCHAR NOT NULL
);
