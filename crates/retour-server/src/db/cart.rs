//! The shared cart of a customer: the log of accepted operations (pulled by devices after a
//! cursor), the per-line merge state with the materialised lines, and the greatest clock seen.

use super::catalog::StoredLine;
use super::{Conn, DbError, DbResult, FromRow, Row, Single};
use retour_domain::api::CartOp;
use retour_domain::cart::{
    CartLine as MergedLine, CartState, Hlc, LineKey as CartLineKey, LineMerge,
};

/// One accepted operation of the log: the columns `seq` and `op` (JSON).
struct LoggedOp {
    seq: u64,
    op: CartOp,
}

impl FromRow for LoggedOp {
    fn from_row(row: &Row<'_>) -> DbResult<LoggedOp> {
        let json: String = row.get("op")?;
        Ok(LoggedOp {
            seq: row.get::<i64>("seq")?.unsigned_abs(),
            op: serde_json::from_str(&json)
                .map_err(|e| DbError::Corrupt(format!("cart op: {e}")))?,
        })
    }
}

impl FromRow for MergedLine {
    fn from_row(row: &Row<'_>) -> DbResult<MergedLine> {
        let updated_at: String = row.get("updated_at")?;
        Ok(MergedLine {
            delivery_note: row.get("delivery_note")?,
            line_no: row.get("line_no")?,
            qty: row.get("qty")?,
            reason: row.get("reason")?,
            photos: {
                let json: String = row.get("photos")?;
                serde_json::from_str(&json)
                    .map_err(|_| DbError::Corrupt(format!("photos {json:?}")))?
            },
            updated_at: updated_at
                .parse()
                .map_err(|_| DbError::Corrupt(format!("clock {updated_at:?}")))?,
        })
    }
}

impl Conn<'_> {
    /// Every accepted cart operation of a customer, in acceptance order.
    pub fn cart_ops(&self, customer_id: i64) -> DbResult<Vec<CartOp>> {
        Ok(self
            .cart_ops_after(customer_id, 0, u32::MAX)?
            .into_iter()
            .map(|(_, op)| op)
            .collect())
    }

    /// A customer's accepted operations after a cursor, at most `limit`, with their sequence.
    pub fn cart_ops_after(
        &self,
        customer_id: i64,
        after: u64,
        limit: u32,
    ) -> DbResult<Vec<(u64, CartOp)>> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let ops: Vec<LoggedOp> = self.query(
            "SELECT seq, op FROM cart_ops WHERE customer_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            &[&customer_id, &after, &limit],
        )?;
        Ok(ops
            .into_iter()
            .map(|logged| (logged.seq, logged.op))
            .collect())
    }

    /// Whether an operation id was already accepted for this customer.
    pub fn has_cart_op(&self, customer_id: i64, op_id: &uuid::Uuid) -> DbResult<bool> {
        self.value(
            "SELECT EXISTS (SELECT 1 FROM cart_ops WHERE customer_id = ?1 AND op_id = ?2)",
            &[&customer_id, &op_id.to_string()],
        )
    }

    /// Appends an accepted operation to the customer's log (its sequence taken in commit order:
    /// [`Conn::hold_customer_logs`]).
    pub fn insert_cart_op(&self, customer_id: i64, op: &CartOp) -> DbResult<u64> {
        let json = serde_json::to_string(op).map_err(|e| DbError::Corrupt(e.to_string()))?;
        self.hold_customer_logs(customer_id)?;
        let seq: i64 = self.value(
            "INSERT INTO cart_ops (customer_id, op_id, op) VALUES (?1, ?2, ?3) RETURNING seq",
            &[&customer_id, &op.op_id.to_string(), &json],
        )?;
        Ok(seq.unsigned_abs())
    }

    /// The cart's version: the sequence of the customer's last accepted operation.
    pub fn cart_version(&self, customer_id: i64) -> DbResult<u64> {
        let seq: Option<i64> = self.value(
            "SELECT MAX(seq) FROM cart_ops WHERE customer_id = ?1",
            &[&customer_id],
        )?;
        Ok(seq.unwrap_or(0).unsigned_abs())
    }

    /// The stored merge state of one line of a customer's cart, if any op ever touched it.
    pub fn cart_line_merge(
        &self,
        customer_id: i64,
        key: &CartLineKey,
    ) -> DbResult<Option<LineMerge>> {
        let json: Option<String> = self.value_opt(
            "SELECT state FROM cart_merge
              WHERE customer_id = ?1 AND delivery_note = ?2 AND line_no = ?3",
            &[&customer_id, &key.delivery_note, &key.line_no],
        )?;
        json.map(|json| {
            serde_json::from_str(&json).map_err(|e| DbError::Corrupt(format!("cart merge: {e}")))
        })
        .transpose()
    }

    /// Stores the merge state of one line of a customer's cart and its materialised line
    /// (`visible`, or none when the line is not in the cart).
    pub fn save_cart_line(
        &self,
        customer_id: i64,
        key: &CartLineKey,
        merge: &LineMerge,
        visible: Option<&MergedLine>,
    ) -> DbResult<()> {
        let json = serde_json::to_string(merge).map_err(|e| DbError::Corrupt(e.to_string()))?;
        self.execute(
            "INSERT INTO cart_merge (customer_id, delivery_note, line_no, state)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (customer_id, delivery_note, line_no) DO UPDATE SET state = ?4",
            &[&customer_id, &key.delivery_note, &key.line_no, &json],
        )?;
        match visible {
            Some(line) => {
                let photos = serde_json::to_string(&line.photos)
                    .map_err(|e| DbError::Corrupt(format!("photos: {e}")))?;
                self.execute(
                    "INSERT INTO cart_lines
                         (customer_id, delivery_note, line_no, qty, reason, updated_at, photos)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (customer_id, delivery_note, line_no)
                     DO UPDATE SET qty = ?4, reason = ?5, updated_at = ?6, photos = ?7",
                    &[
                        &customer_id,
                        &line.delivery_note,
                        &line.line_no,
                        &line.qty,
                        &line.reason,
                        &line.updated_at.to_string(),
                        &photos,
                    ],
                )?;
            }
            None => {
                self.execute(
                    "DELETE FROM cart_lines
                      WHERE customer_id = ?1 AND delivery_note = ?2 AND line_no = ?3",
                    &[&customer_id, &key.delivery_note, &key.line_no],
                )?;
            }
        }
        Ok(())
    }

    /// The greatest clock of a customer's accepted cart ops.
    pub fn cart_max_at(&self, customer_id: i64) -> DbResult<Option<Hlc>> {
        let text: Option<String> = self.value_opt(
            "SELECT max_at FROM cart_clocks WHERE customer_id = ?1",
            &[&customer_id],
        )?;
        text.map(|t| {
            t.parse()
                .map_err(|e| DbError::Corrupt(format!("cart clock: {e}")))
        })
        .transpose()
    }

    /// Records the greatest clock of a customer's accepted cart ops.
    pub fn set_cart_max_at(&self, customer_id: i64, max_at: &Hlc) -> DbResult<()> {
        self.execute(
            "INSERT INTO cart_clocks (customer_id, max_at) VALUES (?1, ?2)
             ON CONFLICT (customer_id) DO UPDATE SET max_at = ?2",
            &[&customer_id, &max_at.to_string()],
        )?;
        Ok(())
    }

    /// Fills the per-line merge state of every customer's cart from its log (once, when the
    /// schema gets the `cart_merge` table).
    pub(super) fn fill_cart_merge(&self) -> DbResult<()> {
        let customers: Vec<Single<i64>> =
            self.query("SELECT DISTINCT customer_id FROM cart_ops", &[])?;
        for Single(customer) in customers {
            self.rebuild_cart_merge(customer)?;
        }
        Ok(())
    }

    /// Recomputes a customer's per-line merge state, materialised lines and greatest clock from
    /// the whole log (for the migration that introduced them; never on a request).
    pub fn rebuild_cart_merge(&self, customer_id: i64) -> DbResult<()> {
        let mut state = CartState::new();
        for op in self.cart_ops(customer_id)? {
            // Stored ops were validated when accepted; one that no longer is stays out.
            let _ = state.apply(&op);
        }
        self.execute(
            "DELETE FROM cart_merge WHERE customer_id = ?1",
            &[&customer_id],
        )?;
        self.execute(
            "DELETE FROM cart_lines WHERE customer_id = ?1",
            &[&customer_id],
        )?;
        for (key, merge) in state.line_merges() {
            let visible = state.line(&key.delivery_note, key.line_no);
            self.save_cart_line(customer_id, key, merge, visible.as_ref())?;
        }
        if let Some(max_at) = state.max_at() {
            self.set_cart_max_at(customer_id, max_at)?;
        }
        Ok(())
    }

    /// The materialised cart, by BL then line, each with its BL line (`None` if it vanished).
    pub fn cart_lines(&self, customer_id: i64) -> DbResult<Vec<(MergedLine, Option<StoredLine>)>> {
        let lines: Vec<MergedLine> = self.query(
            "SELECT delivery_note, line_no, qty, reason, updated_at, photos FROM cart_lines
              WHERE customer_id = ?1 ORDER BY delivery_note, line_no",
            &[&customer_id],
        )?;
        lines
            .into_iter()
            .map(|line| {
                let stored = self.delivery_line(customer_id, &line.delivery_note, line.line_no)?;
                Ok((line, stored))
            })
            .collect()
    }
}
