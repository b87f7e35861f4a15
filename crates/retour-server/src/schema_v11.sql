-- Version 7 (API v1.1, photos): each customer's photos, keyed by the SHA-256 of the bytes it
-- uploaded and stored re-encoded as JPEG (no metadata block, long side at most 2048 px); the
-- photo ids of each return-file line and of each cart line (a whole list, last writer wins).
CREATE TABLE photos (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    id TEXT NOT NULL CHECK (length(id) = 64),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (customer_id, id)
);
CREATE INDEX photos_by_id ON photos (id);
ALTER TABLE dossier_lines ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';
-- cart_lines.photos is added by this version's hook (or already by v3's, which fills the cart
-- merge as today's code writes it).
