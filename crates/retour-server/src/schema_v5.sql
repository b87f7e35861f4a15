-- Version 5: failed logins counted per account and per source (client address or known device)
-- instead of one counter on the account; the devices an account signed in from (their cookie's
-- hash); the successor of a rotated refresh token (the grace window of a lost refresh answer);
-- indexes for the purge of expired rows; the mail outbox.
CREATE TABLE login_failures (
    email_key TEXT NOT NULL,
    scope TEXT NOT NULL,
    failures INTEGER NOT NULL,
    locked_until TEXT,
    last_failure_at TEXT NOT NULL,
    PRIMARY KEY (email_key, scope)
) WITHOUT ROWID;
CREATE INDEX login_failures_by_age ON login_failures (last_failure_at);
CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX known_devices_by_expiry ON known_devices (expires_at);
ALTER TABLE refresh_tokens ADD COLUMN rotated_to TEXT;
CREATE INDEX access_tokens_by_expiry ON access_tokens (expires_at);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
CREATE INDEX link_tokens_by_expiry ON link_tokens (expires_at);
CREATE INDEX link_tokens_by_account ON link_tokens (account_id);
CREATE INDEX sso_jtis_by_expiry ON sso_jtis (expires_at);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
-- The mail outbox: each message is written in the transaction that decides it (a link, a
-- pré-accord) and sent after the answer by the server's sender, retried with growing waits.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    message TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_error TEXT,
    given_up_at TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE given_up_at IS NULL;
