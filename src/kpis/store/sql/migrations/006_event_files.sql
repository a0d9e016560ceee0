-- Schema version 6: request-log files ingested into platform KPIs (kept so that a month shared
-- by several files can be recomputed exactly, and so the same file is never counted twice).
CREATE TABLE event_files (
    path         VARCHAR PRIMARY KEY,
    size_bytes   BIGINT NOT NULL,
    mtime_ns     BIGINT NOT NULL,
    rows         BIGINT NOT NULL,
    months       VARCHAR NOT NULL,   -- JSON array of 'YYYY-MM' the file has events in
    ingested_by  VARCHAR NOT NULL,
    ingested_at  TIMESTAMP NOT NULL
);
