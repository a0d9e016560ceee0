-- Schema version 13: one run at a time sends each kind of mail (digest, alerts). A run takes its kind's row
-- before it reads what was already sent and gives it back when it ends; a row past expires_at belongs to a
-- run that was killed (the next run takes it over). What was sent is recorded per message in
-- notifications_sent as soon as the mail server accepted it (a digest's key: digest|<year>-Q<quarter>).
CREATE TABLE send_locks (
    kind         VARCHAR PRIMARY KEY,   -- digest or alerts
    holder       VARCHAR NOT NULL,      -- host:pid of the run
    acquired_at  TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
