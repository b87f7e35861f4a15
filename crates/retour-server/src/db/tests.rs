//! The storage's own tests: migrations run over databases made by earlier schema versions.

use retour_domain::cart::{
    CartLine as MergedLine, CartOp, CartState, DeviceId, Hlc, LineKey as CartLineKey,
};
use rusqlite::{params, Connection};

use super::{migrate_sqlite, Db, DbResult};

fn clock(ms: u64, counter: u16) -> Hlc {
    Hlc::new(ms, counter, DeviceId::new("phone").unwrap()).unwrap()
}

#[test]
fn the_cart_merge_migration_fills_the_state_of_carts_made_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut conn = Connection::open(&path).unwrap();
    migrate_sqlite(&mut conn, 2).unwrap();
    conn.execute(
        "INSERT INTO customers (id, code, name) VALUES (1, 'C1', 'Garage')",
        [],
    )
    .unwrap();
    let ops = [
        CartOp::put(
            uuid::Uuid::new_v4(),
            clock(10, 0),
            "250000001",
            1,
            Some(2),
            None,
        ),
        CartOp::put(
            uuid::Uuid::new_v4(),
            clock(11, 0),
            "250000001",
            2,
            Some(1),
            None,
        ),
        CartOp::put(
            uuid::Uuid::new_v4(),
            clock(12, 0),
            "250000001",
            1,
            None,
            Some("new_part".into()),
        ),
        CartOp::remove(
            uuid::Uuid::new_v4(),
            clock(13, 0),
            "250000001",
            2,
            clock(11, 0),
        ),
    ];
    for op in &ops {
        conn.execute(
            "INSERT INTO cart_ops (customer_id, op_id, op) VALUES (1, ?1, ?2)",
            params![op.op_id.to_string(), serde_json::to_string(op).unwrap()],
        )
        .unwrap();
    }
    drop(conn);

    let db = Db::open(&path).unwrap();
    let expected = CartState::from_ops(&ops).unwrap();
    db.read(|c| -> DbResult<()> {
        for line_no in [1, 2] {
            let key = CartLineKey {
                delivery_note: "250000001".into(),
                line_no,
            };
            let stored = c.cart_line_merge(1, &key)?.expect("a stored merge");
            assert_eq!(
                Some(&stored),
                expected.line_merge(&key.delivery_note, key.line_no)
            );
        }
        let lines: Vec<MergedLine> = c.cart_lines(1)?.into_iter().map(|(l, _)| l).collect();
        assert_eq!(lines, expected.lines());
        assert_eq!(c.cart_max_at(1)?, Some(clock(13, 0)));
        assert_eq!(c.cart_version(1)?, 4);
        Ok(())
    })
    .unwrap();
}

#[test]
fn the_request_number_migration_numbers_older_requests_in_creation_order_per_paris_year() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut conn = Connection::open(&path).unwrap();
    migrate_sqlite(&mut conn, 3).unwrap();
    conn.execute_batch(
        "INSERT INTO customers (id, code, name) VALUES (1, 'C1', 'Garage');
         INSERT INTO accounts (id, email, name, role, customer_id, password_hash)
             VALUES (7, 'atelier@garage.fr', 'Atelier', 'customer', 1, 'x');",
    )
    .unwrap();
    // Recorded out of order; the last two on each side of the Paris New Year (23:00 UTC).
    for (id, created_at) in [
        ("c", "2026-12-31T23:00:00.000Z"),
        ("a", "2026-11-02T09:00:00.000Z"),
        ("b", "2026-12-31T22:59:59.999Z"),
        ("d", "2027-01-05T10:00:00.000Z"),
    ] {
        conn.execute(
            "INSERT INTO return_requests (id, customer_id, account_id, created_at, estimated_total)
             VALUES (?1, 1, 7, ?2, '1.00')",
            params![id, created_at],
        )
        .unwrap();
    }
    conn.execute(
        "INSERT INTO idempotency_keys (account_id, key, body_hash, request_id, response, created_at)
         VALUES (7, 'k', 'h', 'c', ?1, '2026-12-31T23:00:00.000Z')",
        [r#"{"id":"c","created_at":"2026-12-31T23:00:00Z","estimated_total_ht":"1.00","dossiers":[{"number":"00000001"}]}"#],
    )
    .unwrap();
    drop(conn);

    let db = Db::open(&path).unwrap();
    db.read(|c| -> DbResult<()> {
        for (id, number) in [
            ("a", "R-2026-000001"),
            ("b", "R-2026-000002"),
            ("c", "R-2027-000001"),
            ("d", "R-2027-000002"),
        ] {
            let request = c.return_request(1, id)?.expect("the request");
            assert_eq!(request.reference.number, number);
            assert_eq!(request.reference.preaccord_email, "atelier@garage.fr");
        }
        let (_, kept) = c.idempotency_record(7, "k")?.expect("the kept answer");
        let kept: serde_json::Value = serde_json::from_str(&kept).unwrap();
        assert_eq!(kept["number"], "R-2027-000001");
        assert_eq!(kept["preaccord_email"], "atelier@garage.fr");
        assert_eq!(kept["dossiers"][0]["request"]["number"], "R-2027-000001");
        Ok(())
    })
    .unwrap();
    // The counters go on from the numbers given.
    let next = db
        .write(|c| c.next_request_number("2027-02-01T08:00:00Z".parse().unwrap()))
        .unwrap();
    assert_eq!(next, "R-2027-000003");
}

#[test]
fn the_writer_syncs_every_commit_and_readers_do_not_need_to() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("retour.db")).unwrap();
    // 2 = FULL, 1 = NORMAL.
    let synchronous = |c: &super::Conn<'_>| -> DbResult<i64> { c.value("PRAGMA synchronous", &[]) };
    assert_eq!(db.write(synchronous).unwrap(), 2);
    assert_eq!(db.read(synchronous).unwrap(), 1);
}

#[test]
fn the_purge_deletes_expired_tokens_links_sso_ids_and_old_idempotency_answers() {
    use chrono::{Duration, Utc};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("retour.db")).unwrap();
    let now = Utc::now();
    let count = |table: &str| -> i64 {
        db.read(|c| -> DbResult<i64> { c.value(&format!("SELECT COUNT(*) FROM {table}"), &[]) })
            .unwrap()
    };
    db.write(|c| -> DbResult<()> {
        let account =
            c.insert_account("a@b.fr", "A", retour_domain::api::Role::Staff, None, "x")?;
        let session = c.insert_session(account, None, now)?;
        c.insert_access_token("old-access", session, now - Duration::minutes(1))?;
        c.insert_access_token("live-access", session, now + Duration::minutes(10))?;
        c.insert_refresh_token("old-refresh", session, now - Duration::minutes(1))?;
        c.insert_link_token("old-link", account, "reset", now - Duration::minutes(1))?;
        c.insert_link_token("live-link", account, "unlock", now + Duration::minutes(10))?;
        c.insert_sso_jti("old-jti", now - Duration::minutes(1))?;
        c.insert_idempotency_record(account, "k1", "h", "r1", "{}", now - Duration::days(8))?;
        c.insert_idempotency_record(account, "k2", "h", "r2", "{}", now)?;
        Ok(())
    })
    .unwrap();
    let purged = db.write(|c| c.purge_expired(now)).unwrap();
    assert_eq!(
        (
            purged.tokens,
            purged.links,
            purged.sso_ids,
            purged.idempotency
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(count("access_tokens"), 1);
    assert_eq!(count("refresh_tokens"), 0);
    assert_eq!(count("link_tokens"), 1);
    assert_eq!(count("sso_jtis"), 0);
    assert_eq!(count("idempotency_keys"), 1);
}

#[test]
fn the_timeline_migration_gives_files_made_before_it_their_events_oldest_first() {
    use retour_domain::timeline::{Actor, EventKind};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v5.db");
    let mut conn = Connection::open(&path).unwrap();
    migrate_sqlite(&mut conn, 5).unwrap();
    conn.execute_batch(
        "INSERT INTO customers (id, code, name) VALUES (1, 'C1', 'Garage');
         INSERT INTO delivery_notes (number, customer_id, delivered_on, total_ht)
             VALUES ('250000001', 1, '2026-11-20', '100.00');
         INSERT INTO dossiers (number, customer_id, delivery_note, created_at, status, estimated_credit, piece_count)
             VALUES ('00000001', 1, '250000001', '2026-11-21T09:00:00.000Z', 'sent', '17.27', 1);
         INSERT INTO dossier_history (dossier, seq, status, at)
             VALUES ('00000001', 1, 'sent', '2026-11-21T09:00:00.000Z');
         INSERT INTO dossiers (number, customer_id, delivery_note, created_at, status, estimated_credit, piece_count,
                 outcome, validated_on, credited)
             VALUES ('00000002', 1, '250000001', '2026-11-22T09:00:00.000Z', 'closed', '34.54', 2,
                 'partial', '2026-11-25', '17.27');
         INSERT INTO dossier_lines (dossier, delivery_note, line_no, reference, designation, qty, reason,
                 estimated_credit, unit_price, accepted_qty)
             VALUES ('00000002', '250000001', 1, 'REF', 'PIECE', 2, 'new_part', '34.54', '17.27', 1);
         INSERT INTO dossier_history (dossier, seq, status, at) VALUES
             ('00000002', 1, 'sent', '2026-11-22T09:00:00.000Z'),
             ('00000002', 2, 'received', '2026-11-23T09:00:00.000Z'),
             ('00000002', 3, 'closed', '2026-11-25T09:00:00.000Z');
         INSERT INTO dossiers (number, customer_id, delivery_note, created_at, status, estimated_credit, piece_count)
             VALUES ('00000003', 1, '250000001', '2026-11-24T09:00:00.000Z', 'received', '0.00', 1);
         INSERT INTO dossier_history (dossier, seq, status, at)
             VALUES ('00000003', 1, 'received', '2026-11-26T09:00:00.000Z');",
    )
    .unwrap();
    drop(conn);

    let db = Db::open(&path).unwrap();
    db.read(|c| -> DbResult<()> {
        let summary = |number: &str| -> DbResult<Vec<(EventKind, Actor, String, String)>> {
            Ok(c.events(number)?
                .into_iter()
                .map(|e| (e.kind, e.actor, e.text, super::instant(e.at)))
                .collect())
        };
        let sent = |at: &str| {
            (
                EventKind::Status,
                Actor::Customer,
                "Demande de retour envoyée".to_owned(),
                at.to_owned(),
            )
        };
        assert_eq!(
            summary("00000001")?,
            [sent("2026-11-21T09:00:00.000Z")]
        );
        assert_eq!(
            summary("00000002")?,
            [
                sent("2026-11-22T09:00:00.000Z"),
                (
                    EventKind::Status,
                    Actor::Staff,
                    "Pièces prises en charge sur site".to_owned(),
                    "2026-11-23T09:00:00.000Z".to_owned()
                ),
                (
                    EventKind::Status,
                    Actor::Staff,
                    "Dossier clôturé".to_owned(),
                    "2026-11-25T09:00:00.000Z".to_owned()
                ),
                (
                    EventKind::Decision,
                    Actor::Staff,
                    "Décision : partiellement accepté — 1 pièce acceptée, 1 pièce refusée — 17,27\u{A0}€ HT crédités".to_owned(),
                    "2026-11-25T09:00:00.000Z".to_owned()
                ),
            ]
        );
        // A history without its first step still starts with the customer's sending.
        let third = summary("00000003")?;
        assert_eq!(third[0], sent("2026-11-24T09:00:00.000Z"));
        assert_eq!(third.len(), 2);
        Ok(())
    })
    .unwrap();
    // Files made after it get their events as they move.
    db.write(|c| -> DbResult<()> {
        c.insert_history(
            "00000003",
            retour_domain::status::DossierStatus::Inspecting,
            chrono::Utc::now(),
        )?;
        assert_eq!(c.events("00000003")?.len(), 3);
        Ok(())
    })
    .unwrap();
}

#[test]
fn an_empty_database_reaches_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("new.db")).unwrap();
    db.read(|c| -> DbResult<()> {
        assert!(c.events("00000001")?.is_empty());
        assert!(c.messages("00000001")?.is_empty());
        Ok(())
    })
    .unwrap();
}

#[test]
fn attempts_are_counted_per_kind_subject_and_minute_and_past_minutes_are_purged() {
    use chrono::Utc;
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("retour.db")).unwrap();
    let now = Utc::now();
    let minute = now.timestamp().div_euclid(60);
    let counts = db
        .write(|c| -> DbResult<Vec<u32>> {
            Ok(vec![
                c.count_attempt("login:ip", "127.0.0.1", minute - 1)?,
                c.count_attempt("login:ip", "127.0.0.1", minute)?,
                c.count_attempt("login:ip", "127.0.0.1", minute)?,
                c.count_attempt("link:ip", "127.0.0.1", minute)?,
                c.count_attempt("login:ip", "127.0.0.2", minute)?,
            ])
        })
        .unwrap();
    assert_eq!(counts, [1, 1, 2, 1, 1]);
    let purged = db.write(|c| c.purge_expired(now)).unwrap();
    assert_eq!(purged.throttles, 1);
    let left: i64 = db
        .read(|c| c.value("SELECT COUNT(*) FROM throttle_counts", &[]))
        .unwrap();
    assert_eq!(left, 3);
}

#[test]
fn every_revocation_bumps_the_generation_read_with_a_check() {
    use chrono::{Duration, Utc};
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("retour.db")).unwrap();
    let now = Utc::now();
    let (account, first, second) = db
        .write(|c| -> DbResult<(i64, i64, i64)> {
            let account =
                c.insert_account("a@b.fr", "A", retour_domain::api::Role::Staff, None, "x")?;
            let first = c.insert_session(account, None, now)?;
            let second = c.insert_session(account, None, now)?;
            c.insert_access_token("first", first, now + Duration::minutes(10))?;
            c.insert_access_token("second", second, now + Duration::minutes(10))?;
            Ok((account, first, second))
        })
        .unwrap();
    let check = |hash: &str| db.read(|c| c.check_principal(hash, now)).unwrap();
    let before = check("first");
    assert_eq!(before.principal.map(|p| p.session_id), Some(first));
    assert_eq!(check("nothing").principal, None);
    db.write(|c| c.revoke_session(first, now)).unwrap();
    let after = check("second");
    assert_eq!(after.generation, before.generation + 1);
    assert_eq!(after.principal.map(|p| p.session_id), Some(second));
    assert_eq!(check("first").principal, None);
    db.write(|c| c.revoke_account_sessions(account, now))
        .unwrap();
    let last = check("second");
    assert_eq!(last.generation, before.generation + 2);
    assert_eq!(last.principal, None);
    assert_eq!(
        db.read(|c| c.revocation_generation()).unwrap(),
        last.generation
    );
}
