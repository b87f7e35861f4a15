-- Version 3: the cart's merge state kept per line, so that applying ops reads and writes only the
-- lines they touch instead of replaying the customer's whole log at each `POST /cart/ops`. The log
-- (`cart_ops`) stays whole: devices pull it with `GET /cart/ops?after=`.
-- An index to read a customer's log (and its last sequence, the cart's version) without scanning
-- every customer's ops.
CREATE INDEX cart_ops_by_customer ON cart_ops (customer_id, seq);
-- What the merge keeps of each line a customer's ops ever touched (`retour_domain::cart::LineMerge`
-- as JSON), updated in the same transaction as the ops that change it.
CREATE TABLE cart_merge (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    delivery_note TEXT NOT NULL,
    line_no INTEGER NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (customer_id, delivery_note, line_no)
) WITHOUT ROWID;
-- The greatest clock of each customer's accepted ops (the backend's own ops are stamped after it).
CREATE TABLE cart_clocks (
    customer_id INTEGER PRIMARY KEY REFERENCES customers (id),
    max_at TEXT NOT NULL
);
