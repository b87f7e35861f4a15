-- Version 2 in PostgreSQL's dialect (schema_v2.sql is SQLite's): per-customer counts of files by
-- status, kept by a trigger, so that the tracking tabs' counts cost one small read instead of a
-- scan of every file. Concurrent transactions of one customer update its row in turn.
CREATE TABLE dossier_counts (
    customer_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (customer_id, status)
);
INSERT INTO dossier_counts (customer_id, status, count)
    SELECT customer_id, status, COUNT(*) FROM dossiers GROUP BY customer_id, status;
CREATE FUNCTION dossier_counts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE dossier_counts SET count = count - 1
         WHERE customer_id = OLD.customer_id AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO dossier_counts (customer_id, status, count) VALUES (NEW.customer_id, NEW.status, 1)
            ON CONFLICT (customer_id, status) DO UPDATE SET count = dossier_counts.count + 1;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER dossier_counts_insert AFTER INSERT ON dossiers
    FOR EACH ROW EXECUTE FUNCTION dossier_counts_follow();
CREATE TRIGGER dossier_counts_update AFTER UPDATE OF status ON dossiers
    FOR EACH ROW WHEN (OLD.status <> NEW.status) EXECUTE FUNCTION dossier_counts_follow();
CREATE TRIGGER dossier_counts_delete AFTER DELETE ON dossiers
    FOR EACH ROW EXECUTE FUNCTION dossier_counts_follow();
