-- Version 13 (several instances over one database): the attempt counters of the throttles, per
-- kind (`login:ip`, `login:account`, `link:ip`, `link:account`), subject (an address, or the hex
-- SHA-256 of an e-mail) and minute (Unix seconds / 60), shared by every instance; past minutes
-- are purged. And the generation of revocations, bumped by every transaction that revokes a
-- session, which each instance's session cache checks before it trusts a token it checked.
CREATE TABLE throttle_counts (
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    minute INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    PRIMARY KEY (kind, subject, minute)
) WITHOUT ROWID;
CREATE INDEX throttle_counts_by_minute ON throttle_counts (minute);
INSERT INTO counters (name, value) VALUES ('revocations', 0);
