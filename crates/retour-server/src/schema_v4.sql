-- Version 4: every return request gets the number people read out on the phone (`R-2026-000123`:
-- a sequence that starts again each Paris year, `retour_domain::request_number`) and keeps the
-- address its pré-accord was e-mailed to. The migration's hook numbers the requests made before,
-- in creation order, and adds both to the answers kept for their idempotency keys.
ALTER TABLE return_requests ADD COLUMN number TEXT;
ALTER TABLE return_requests ADD COLUMN preaccord_email TEXT;
CREATE UNIQUE INDEX return_requests_by_number ON return_requests (number);
-- The last sequence given in each Paris year.
CREATE TABLE request_counters (
    year INTEGER PRIMARY KEY,
    value INTEGER NOT NULL
);
