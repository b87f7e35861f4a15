-- Version 7 (API v1.1, money): the credit notes the staff record (unique number, idempotent on
-- it), each with its lines on return files' lines, and when the garage was told (e-mail queued in
-- the outbox of the same transaction); the deposit reminders that went out (14 and 3 days before
-- the due date, once each per BL line, across restarts).
CREATE TABLE credit_notes (
    number TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    issued_on TEXT NOT NULL,
    total_ht TEXT NOT NULL,
    created_at TEXT NOT NULL,
    notified_at TEXT
) WITHOUT ROWID;
CREATE INDEX credit_notes_by_customer ON credit_notes (customer_id, issued_on);
CREATE TABLE credit_note_lines (
    credit_note TEXT NOT NULL REFERENCES credit_notes (number),
    seq INTEGER NOT NULL,
    dossier TEXT NOT NULL REFERENCES dossiers (number),
    line_no INTEGER NOT NULL,
    amount_ht TEXT NOT NULL,
    PRIMARY KEY (credit_note, seq)
) WITHOUT ROWID;
CREATE INDEX credit_note_lines_by_line ON credit_note_lines (dossier, line_no);
CREATE TABLE deposit_reminders (
    delivery_note TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    days_before INTEGER NOT NULL,
    at TEXT NOT NULL,
    -- 1 for the reminder e-mailed, 0 for an earlier threshold it stood for.
    sent INTEGER NOT NULL,
    PRIMARY KEY (delivery_note, line_no, days_before)
) WITHOUT ROWID;
