-- Version 7 (API v1.1): warranty claims and the driver's pickups. A file has a kind ('return' or
-- 'warranty'); a warranty file has one line (in dossier_lines, with the reason 'warranty', so
-- that its units count as taken from the BL line like a return's) and its claim here. A pickup
-- is recorded once per token id, with the hash of the body that used it (a replay of the same
-- body answers the same; another body is refused) and the answer it gave. server_secrets keeps
-- the pickup tokens' HMAC key made at the first start when none is configured.
ALTER TABLE dossiers ADD COLUMN kind TEXT NOT NULL DEFAULT 'return' CHECK (kind IN ('return', 'warranty'));
CREATE TABLE warranty_claims (
    dossier TEXT PRIMARY KEY REFERENCES dossiers (number),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    delivery_note TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    vin TEXT NOT NULL,
    registration TEXT,
    vehicle TEXT,
    fitted_on TEXT NOT NULL,
    fitted_km INTEGER NOT NULL,
    failed_on TEXT NOT NULL,
    failed_km INTEGER NOT NULL,
    symptom TEXT NOT NULL,
    photos TEXT NOT NULL,
    documents TEXT NOT NULL,
    warranty_ends_on TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX warranty_claims_by_line ON warranty_claims (delivery_note, line_no);
CREATE TABLE pickups (
    token_id TEXT PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    body_hash TEXT NOT NULL,
    driver_name TEXT NOT NULL,
    parcels INTEGER NOT NULL,
    at TEXT NOT NULL,
    response TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE pickup_dossiers (
    token_id TEXT NOT NULL REFERENCES pickups (token_id),
    dossier TEXT NOT NULL REFERENCES dossiers (number),
    PRIMARY KEY (token_id, dossier)
) WITHOUT ROWID;
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
