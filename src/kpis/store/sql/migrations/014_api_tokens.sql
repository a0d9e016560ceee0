-- Schema version 14: the HTTP API's tokens and the requests it has answered.
-- A token is shown once when it is made; only its SHA-256 is kept (a token carries 256 random bits, so a
-- fast hash is enough and lets a request find its token by an index lookup). A revoked token stays listed.
CREATE TABLE api_tokens (
    name         VARCHAR PRIMARY KEY,
    role         VARCHAR NOT NULL,      -- viewer, editor or admin
    token_sha256 VARCHAR NOT NULL UNIQUE,
    created_by   VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP
);
-- A POST with an Idempotency-Key writes once: a retry with the same key (same token) gets the first answer.
-- The key is reserved before the write (status NULL) and the answer recorded after it (kpis.api.idempotency).
CREATE TABLE api_requests (
    token_name      VARCHAR NOT NULL,
    idempotency_key VARCHAR NOT NULL,
    request_sha256  VARCHAR NOT NULL,   -- method, path and body: the same key with another request is refused
    status          INTEGER,            -- NULL while the first request is running
    body            VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (token_name, idempotency_key)
);
