-- Schema version 2: program settings and board-approved (frozen) quarters.
CREATE TABLE settings (
    key         VARCHAR PRIMARY KEY,
    value       VARCHAR NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE frozen_quarters (
    year        INTEGER NOT NULL,
    quarter     INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    frozen_by   VARCHAR NOT NULL,
    frozen_at   TIMESTAMP NOT NULL,
    note        VARCHAR,
    PRIMARY KEY (year, quarter)
);
