-- Version 6 (API v1.1): each line's decision once its file is closed (units refused, the refusal
-- reason, what becomes of the refused part, a comment, the amount credited); the messages of a
-- file (idempotent on the writer's message_id); the timeline of every file, written in the
-- transaction of the change it records. The hook fills the timeline of existing files from their
-- history (and the decision of the closed ones).
ALTER TABLE dossier_lines ADD COLUMN refused_qty INTEGER;
ALTER TABLE dossier_lines ADD COLUMN refusal_reason TEXT;
ALTER TABLE dossier_lines ADD COLUMN disposition TEXT;
ALTER TABLE dossier_lines ADD COLUMN decision_comment TEXT;
ALTER TABLE dossier_lines ADD COLUMN credited TEXT;
CREATE TABLE dossier_messages (
    id INTEGER PRIMARY KEY,
    dossier TEXT NOT NULL REFERENCES dossiers (number),
    message_id TEXT NOT NULL,
    at TEXT NOT NULL,
    author TEXT NOT NULL CHECK (author IN ('customer', 'staff')),
    author_name TEXT NOT NULL,
    text TEXT NOT NULL,
    photos TEXT NOT NULL DEFAULT '[]',
    UNIQUE (dossier, message_id)
);
CREATE TABLE dossier_events (
    id INTEGER PRIMARY KEY,
    dossier TEXT NOT NULL REFERENCES dossiers (number),
    at TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('status', 'decision', 'message', 'photo', 'credit_note', 'pickup')),
    actor TEXT NOT NULL CHECK (actor IN ('customer', 'staff', 'driver', 'system')),
    text TEXT NOT NULL,
    status TEXT,
    message INTEGER REFERENCES dossier_messages (id)
);
CREATE INDEX dossier_events_by_dossier ON dossier_events (dossier, id);
