//! The shared cart: `GET /cart`, `POST /cart/ops` (apply devices' operations with the domain's
//! merge, refusing bad ones one by one) and `GET /cart/ops?after=` (the accepted log).
//!
//! Both answers carry the log's epoch ([`crate::db::Db::cart_epoch`]): a device whose epoch
//! differs resets its cursor and pushes its ops again.
//!
//! The log is kept whole for devices to pull; the merge itself is kept per line (`CartPatch`), so
//! that a `POST` reads and writes only the lines its ops touch.

use std::collections::BTreeSet;

use axum::extract::State;
use retour_domain::api::{
    Cart, CartOp, CartOpsPage, CartOpsRequest, CartOpsResponse, OpKind, Problem, RejectedOp,
};
use retour_domain::cart::{
    CartLine as MergedLine, CartState, DeviceId, Hlc, LineKey, MAX_OPS_PER_BATCH,
};
use retour_domain::cart_line::{priced_line, EditRefusal, LineEdit};
use retour_domain::photo::check_photo_ids;
use retour_domain::ErrorCode;
use retour_domain::Money;
use serde::Deserialize;
use utoipa::IntoParams;

use super::catalog::rules;
use super::{Customer, Json, Query};
use crate::convert::Rules;
use crate::db::Conn;
use crate::problem::ApiError;
use crate::AppState;

/// The largest cursor (2^53 − 1, safe in every JSON reader).
const MAX_CURSOR: u64 = 9_007_199_254_740_991;

/// Builds the customer's cart from its materialised lines.
pub(crate) fn load_cart(c: &Conn<'_>, customer: i64, rules: &Rules<'_>) -> Result<Cart, ApiError> {
    let version = c.cart_version(customer)?;
    let mut lines = Vec::new();
    for (merged, stored) in c.cart_lines(customer)? {
        let Some(stored) = stored else { continue };
        lines.push(priced_line(
            rules.reasons,
            &merged,
            Some(&rules.delivered(&stored)),
        ));
    }
    Ok(Cart {
        version,
        count: u32::try_from(lines.len()).unwrap_or(u32::MAX),
        estimated_total_ht: lines
            .iter()
            .filter_map(|l| l.estimated_credit_ht)
            .sum::<Money>(),
        lines,
    })
}

/// The lines of a customer's cart that some ops touch, loaded from their stored merge state: what
/// applying ops costs depends on the lines they touch, never on the length of the customer's log.
/// [`CartPatch::save`] writes the touched lines back in the same transaction as the ops.
pub(crate) struct CartPatch {
    customer: i64,
    state: CartState,
    loaded: BTreeSet<LineKey>,
    touched: BTreeSet<LineKey>,
    max_at: Option<Hlc>,
    max_at_changed: bool,
}

impl CartPatch {
    /// Starts a patch of the customer's cart.
    pub(crate) fn open(c: &Conn<'_>, customer: i64) -> Result<CartPatch, ApiError> {
        Ok(CartPatch {
            customer,
            state: CartState::new(),
            loaded: BTreeSet::new(),
            touched: BTreeSet::new(),
            max_at: c.cart_max_at(customer)?,
            max_at_changed: false,
        })
    }

    fn load(&mut self, c: &Conn<'_>, key: &LineKey) -> Result<(), ApiError> {
        if !self.loaded.contains(key) {
            if let Some(merge) = c.cart_line_merge(self.customer, key)? {
                self.state.join_line_merge(key.clone(), &merge);
            }
            self.loaded.insert(key.clone());
        }
        Ok(())
    }

    /// The line as the merged cart shows it, if it is in the cart.
    pub(crate) fn line(
        &mut self,
        c: &Conn<'_>,
        key: &LineKey,
    ) -> Result<Option<MergedLine>, ApiError> {
        self.load(c, key)?;
        Ok(self.state.line(&key.delivery_note, key.line_no))
    }

    /// Merges an op and appends it to the customer's log; `false` (and nothing stored) when
    /// the op breaks a structural rule.
    pub(crate) fn apply(&mut self, c: &Conn<'_>, op: &CartOp) -> Result<bool, ApiError> {
        let key = op.key();
        self.load(c, &key)?;
        if self.state.apply(op).is_err() {
            return Ok(false);
        }
        c.insert_cart_op(self.customer, op)?;
        if self.max_at.as_ref().is_none_or(|max| *max < op.at) {
            self.max_at = Some(op.at.clone());
            self.max_at_changed = true;
        }
        self.touched.insert(key);
        Ok(true)
    }

    /// Writes the touched lines' merge state and materialised lines; returns whether any op
    /// was applied.
    pub(crate) fn save(self, c: &Conn<'_>) -> Result<bool, ApiError> {
        for key in &self.touched {
            let Some(merge) = self.state.line_merge(&key.delivery_note, key.line_no) else {
                continue;
            };
            let visible = self.state.line(&key.delivery_note, key.line_no);
            c.save_cart_line(self.customer, key, merge, visible.as_ref())?;
        }
        if let (true, Some(max_at)) = (self.max_at_changed, &self.max_at) {
            c.set_cart_max_at(self.customer, max_at)?;
        }
        Ok(!self.touched.is_empty())
    }
}

/// Takes lines out of the cart with operations of the backend's own clock, each removing what
/// it has seen; returns whether any was removed.
pub(crate) fn remove_lines(
    c: &Conn<'_>,
    customer: i64,
    lines: &[(String, u32)],
    now_ms: u64,
) -> Result<bool, ApiError> {
    let device = DeviceId::new("server").expect("a valid device id");
    let mut patch = CartPatch::open(c, customer)?;
    let mut last: Option<Hlc> = patch.max_at.clone();
    for (delivery_note, line_no) in lines {
        let key = LineKey {
            delivery_note: delivery_note.clone(),
            line_no: *line_no,
        };
        if patch.line(c, &key)?.is_none() {
            continue;
        }
        let Some(seen) = patch.state.seen_for(delivery_note, *line_no).cloned() else {
            continue;
        };
        let at = Hlc::next(last.as_ref(), now_ms, &device);
        last = Some(at.clone());
        let op = CartOp::remove(
            uuid::Uuid::new_v4(),
            at,
            delivery_note.clone(),
            *line_no,
            seen,
        );
        patch.apply(c, &op)?;
    }
    patch.save(c)
}

/// The customer's cart.
#[utoipa::path(get, path = "/api/v1/cart", tag = "cart", security(("bearer" = [])),
    responses((status = 200, body = Cart),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn get_cart(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
) -> Result<Json<Cart>, ApiError> {
    let st = state.clone();
    let cart = state
        .read(move |c| load_cart(c, customer, &rules(&st)))
        .await?;
    Ok(Json(cart))
}

fn reject(op: &CartOp, code: ErrorCode, message: &str) -> RejectedOp {
    RejectedOp {
        op_id: op.op_id,
        code: code.as_str().to_owned(),
        message: message.to_owned(),
    }
}

fn refuse(op: &CartOp, refusal: EditRefusal) -> RejectedOp {
    reject(op, refusal.code(), &refusal.message())
}

/// Applies devices' operations; refused ones are listed in `rejected` (with `unknown_line`,
/// `quantity_exceeded`, `reason_not_allowed`, `invalid_op`, or `clock_ahead` for an `at` more than
/// 24 h ahead of the server's clock), the others apply.
#[utoipa::path(post, path = "/api/v1/cart/ops", tag = "cart", request_body = CartOpsRequest, security(("bearer" = [])),
    responses((status = 200, body = CartOpsResponse),
        (status = 400, description = "malformed body or more than 500 ops", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn post_ops(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Json(body): Json<CartOpsRequest>,
) -> Result<Json<CartOpsResponse>, ApiError> {
    if body.ops.len() > MAX_OPS_PER_BATCH {
        return Err(ApiError::bad_request(
            ErrorCode::TooManyOps,
            format!("Trop d'opérations : {MAX_OPS_PER_BATCH} au plus par envoi"),
        ));
    }
    let st = state.clone();
    let epoch = state.db().cart_epoch().to_owned();
    let now = state.now();
    let response = state
        .write(move |c| {
            let rules = rules(&st);
            let mut patch = CartPatch::open(c, customer)?;
            let mut rejected = Vec::new();
            for op in &body.ops {
                if c.has_cart_op(customer, &op.op_id)? {
                    continue;
                }
                if let Some(photos) = &op.photos {
                    if let Err(refusal) = check_photo_ids(photos) {
                        rejected.push(reject(op, refusal.code(), &refusal.message()));
                        continue;
                    }
                }
                if op.validate().is_err() {
                    rejected.push(reject(
                        op,
                        ErrorCode::InvalidOp,
                        "Opération de panier invalide",
                    ));
                    continue;
                }
                // A device with a wrong date: its op would win every later edit of the line.
                if op.at.is_too_far_ahead_of(now) {
                    let code = ErrorCode::ClockAhead;
                    rejected.push(reject(op, code.clone(), code.french()));
                    continue;
                }
                let Some(line) = (match retour_domain::BlNumber::parse(&op.delivery_note) {
                    Ok(bl) => c.delivery_line(customer, bl.as_str(), op.line_no)?,
                    Err(_) => None,
                }) else {
                    rejected.push(refuse(op, EditRefusal::UnknownLine));
                    continue;
                };
                if op.kind == OpKind::Put {
                    let key = LineKey {
                        delivery_note: line.delivery_note.clone(),
                        line_no: op.line_no,
                    };
                    let edit = LineEdit {
                        qty: op.qty,
                        reason: op.reason.as_deref(),
                        current_qty: patch.line(c, &key)?.map(|l| l.qty),
                    };
                    if let Err(refusal) = rules.check_edit(&edit, Some(&line)) {
                        rejected.push(refuse(op, refusal));
                        continue;
                    }
                }
                // Ops are stored with the BL number as the device sent it only once normalised.
                let mut stored = op.clone();
                stored.delivery_note = line.delivery_note.clone();
                if !patch.apply(c, &stored)? {
                    rejected.push(reject(
                        op,
                        ErrorCode::InvalidOp,
                        "Opération de panier invalide",
                    ));
                }
            }
            patch.save(c)?;
            Ok(CartOpsResponse {
                cart: load_cart(c, customer, &rules)?,
                rejected,
                epoch: Some(epoch.clone()),
            })
        })
        .await?;
    Ok(Json(response))
}

/// `GET /cart/ops` query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OpsQuery {
    /// The cursor of the last page read (0 for the start).
    #[param(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    after: Option<u64>,
}

/// The customer's accepted operations after a cursor (at most 500), in acceptance order.
#[utoipa::path(get, path = "/api/v1/cart/ops", tag = "cart", params(OpsQuery), security(("bearer" = [])),
    responses((status = 200, body = CartOpsPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn get_ops(
    State(state): State<AppState>,
    Customer(_principal, customer): Customer,
    Query(query): Query<OpsQuery>,
) -> Result<Json<CartOpsPage>, ApiError> {
    let after = query.after.unwrap_or(0);
    if after > MAX_CURSOR {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidQuery,
            "Curseur invalide",
        ));
    }
    let rows = state
        .read(move |c| Ok(c.cart_ops_after(customer, after, MAX_OPS_PER_BATCH as u32)?))
        .await?;
    let cursor = rows.last().map_or(after, |(seq, _)| *seq);
    Ok(Json(CartOpsPage {
        ops: rows.into_iter().map(|(_, op)| op).collect(),
        cursor,
        epoch: Some(state.db().cart_epoch().to_owned()),
    }))
}
