-- Version 2: per-customer counts of files by status, kept by triggers, so that the tracking
-- tabs' counts cost one small read instead of a scan of every file.
CREATE TABLE dossier_counts (
    customer_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (customer_id, status)
) WITHOUT ROWID;
INSERT INTO dossier_counts (customer_id, status, count)
    SELECT customer_id, status, COUNT(*) FROM dossiers GROUP BY customer_id, status;
CREATE TRIGGER dossier_counts_insert AFTER INSERT ON dossiers BEGIN
    INSERT INTO dossier_counts (customer_id, status, count) VALUES (NEW.customer_id, NEW.status, 1)
        ON CONFLICT (customer_id, status) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER dossier_counts_update AFTER UPDATE OF status ON dossiers
    WHEN OLD.status <> NEW.status BEGIN
    UPDATE dossier_counts SET count = count - 1 WHERE customer_id = OLD.customer_id AND status = OLD.status;
    INSERT INTO dossier_counts (customer_id, status, count) VALUES (NEW.customer_id, NEW.status, 1)
        ON CONFLICT (customer_id, status) DO UPDATE SET count = count + 1;
END;
CREATE TRIGGER dossier_counts_delete AFTER DELETE ON dossiers BEGIN
    UPDATE dossier_counts SET count = count - 1 WHERE customer_id = OLD.customer_id AND status = OLD.status;
END;
