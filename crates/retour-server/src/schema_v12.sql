-- Version 12 (API v1.1, documents): each customer's documents (the PDF fitting invoice of a
-- warranty claim), keyed by the SHA-256 of the bytes it uploaded and stored written again without
-- their metadata (no /Info dictionary, no XMP stream), as photos are.
CREATE TABLE documents (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    id TEXT NOT NULL CHECK (length(id) = 64),
    pages INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (customer_id, id)
);
CREATE INDEX documents_by_id ON documents (id);
