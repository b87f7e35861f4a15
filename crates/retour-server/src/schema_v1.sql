-- Retour reference backend, schema version 1.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'staff')),
    customer_id INTEGER REFERENCES customers (id),
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    device_name TEXT,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX sessions_by_account ON sessions (account_id);
CREATE TABLE access_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX access_tokens_by_session ON access_tokens (session_id);
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    expires_at TEXT NOT NULL,
    used_at TEXT
) WITHOUT ROWID;
CREATE TABLE link_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('reset', 'unlock')),
    expires_at TEXT NOT NULL,
    used_at TEXT
) WITHOUT ROWID;
CREATE TABLE sso_jtis (
    jti TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE delivery_notes (
    number TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    delivered_on TEXT NOT NULL,
    total_ht TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX delivery_notes_by_customer ON delivery_notes (customer_id, delivered_on, number);
CREATE TABLE delivery_lines (
    delivery_note TEXT NOT NULL REFERENCES delivery_notes (number),
    line_no INTEGER NOT NULL,
    reference TEXT NOT NULL,
    reference_key TEXT NOT NULL,
    brand TEXT NOT NULL,
    designation TEXT NOT NULL,
    gtin TEXT,
    gtin_key TEXT,
    qty INTEGER NOT NULL,
    returned_qty INTEGER NOT NULL DEFAULT 0,
    unit_price TEXT NOT NULL,
    deposit TEXT,
    PRIMARY KEY (delivery_note, line_no)
) WITHOUT ROWID;
CREATE INDEX delivery_lines_by_reference ON delivery_lines (reference_key);
CREATE INDEX delivery_lines_by_gtin ON delivery_lines (gtin_key);
CREATE TABLE return_requests (
    id TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    estimated_total TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE idempotency_keys (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    request_id TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE TABLE dossiers (
    number TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    request_id TEXT,
    delivery_note TEXT NOT NULL REFERENCES delivery_notes (number),
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sent', 'received', 'inspecting', 'closed')),
    estimated_credit TEXT NOT NULL,
    piece_count INTEGER NOT NULL,
    outcome TEXT,
    validated_on TEXT,
    credited TEXT,
    credit_note_number TEXT
) WITHOUT ROWID;
CREATE INDEX dossiers_by_customer ON dossiers (customer_id, created_at, number);
CREATE INDEX dossiers_by_customer_status ON dossiers (customer_id, status, created_at, number);
CREATE INDEX dossiers_by_request ON dossiers (request_id);
CREATE TABLE dossier_lines (
    dossier TEXT NOT NULL REFERENCES dossiers (number),
    delivery_note TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    reference TEXT NOT NULL,
    designation TEXT NOT NULL,
    qty INTEGER NOT NULL,
    reason TEXT NOT NULL,
    estimated_credit TEXT,
    unit_price TEXT NOT NULL,
    deposit TEXT,
    accepted_qty INTEGER,
    PRIMARY KEY (dossier, line_no)
) WITHOUT ROWID;
CREATE INDEX dossier_lines_by_line ON dossier_lines (delivery_note, line_no);
CREATE TABLE dossier_history (
    dossier TEXT NOT NULL REFERENCES dossiers (number),
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (dossier, seq)
) WITHOUT ROWID;
CREATE TABLE cart_ops (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    op_id TEXT NOT NULL,
    op TEXT NOT NULL,
    UNIQUE (customer_id, op_id)
);
CREATE TABLE cart_lines (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    delivery_note TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    qty INTEGER NOT NULL,
    reason TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (customer_id, delivery_note, line_no)
) WITHOUT ROWID;
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('dossier', 10000000);
