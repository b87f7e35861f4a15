//! The shared cart: `GET /cart`, `POST /cart/ops` (apply devices' operations with the domain's
//! merge, refusing bad ones one by one) and `GET /cart/ops?after=` (the accepted log).

use axum::extract::State;
use retour_domain::api::{
    Cart, CartLine, CartOp, CartOpsPage, CartOpsRequest, CartOpsResponse, OpKind, Problem,
    RejectedOp,
};
use retour_domain::cart::{CartState, DeviceId, Hlc};
use retour_domain::reason::ReasonCode;
use retour_domain::Money;
use serde::Deserialize;
use utoipa::IntoParams;

use super::catalog::rules;
use super::{Customer, Json, Query};
use crate::convert::{prices, Rules};
use crate::db::Conn;
use crate::problem::ApiError;
use crate::AppState;

/// The largest cursor (2^53 − 1, safe in every JSON reader).
const MAX_CURSOR: u64 = 9_007_199_254_740_991;

/// Most operations in one `POST /cart/ops`.
pub const MAX_OPS: usize = 500;

/// Builds the customer's cart from its materialised lines.
pub(crate) fn load_cart(c: &Conn<'_>, customer: i64, rules: &Rules<'_>) -> Result<Cart, ApiError> {
    let version = c.cart_version(customer)?;
    let mut lines = Vec::new();
    for (merged, stored) in c.cart_lines(customer)? {
        let Some(stored) = stored else { continue };
        let reason = merged.reason.as_deref().and_then(ReasonCode::parse);
        let estimate = reason.as_ref().and_then(|r| {
            rules
                .reasons
                .estimate(r.as_str(), &prices(&stored), merged.qty)
                .ok()
                .flatten()
        });
        lines.push(CartLine {
            delivery_note: merged.delivery_note,
            line_no: merged.line_no,
            reference: stored.reference.clone(),
            designation: stored.designation.clone(),
            qty: merged.qty,
            reason,
            eligible_qty: rules.eligible(&stored),
            estimated_credit_ht: estimate,
            updated_at: merged.updated_at,
        });
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

/// The customer's merged cart from its log.
pub(crate) fn merged_state(c: &Conn<'_>, customer: i64) -> Result<CartState, ApiError> {
    let mut state = CartState::new();
    for op in c.cart_ops(customer)? {
        // Stored ops were validated when accepted; one that no longer is stays out.
        let _ = state.apply(&op);
    }
    Ok(state)
}

/// Takes lines out of the cart with operations of the backend's own clock, each removing what
/// it has seen; returns whether any was removed.
pub(crate) fn remove_lines(
    c: &Conn<'_>,
    customer: i64,
    state: &mut CartState,
    lines: &[(String, u32)],
    now_ms: u64,
) -> Result<bool, ApiError> {
    let device = DeviceId::new("server").expect("a valid device id");
    let mut last: Option<Hlc> = state.max_at().cloned();
    let mut removed = false;
    for (delivery_note, line_no) in lines {
        if state.line(delivery_note, *line_no).is_none() {
            continue;
        }
        let Some(seen) = state.seen_for(delivery_note, *line_no).cloned() else {
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
        if state.apply(&op).is_ok() {
            c.insert_cart_op(customer, &op)?;
            removed = true;
        }
    }
    if removed {
        c.replace_cart_lines(customer, &state.lines())?;
    }
    Ok(removed)
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

fn reject(op: &CartOp, code: &str, message: &str) -> RejectedOp {
    RejectedOp {
        op_id: op.op_id,
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// Applies devices' operations; refused ones are listed in `rejected`, the others apply.
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
    if body.ops.len() > MAX_OPS {
        return Err(ApiError::bad_request(
            "too_many_ops",
            format!("Trop d'opérations : {MAX_OPS} au plus par envoi"),
        ));
    }
    let st = state.clone();
    let response = state
        .write(move |c| {
            let rules = rules(&st);
            let mut merged = merged_state(c, customer)?;
            let mut rejected = Vec::new();
            let mut changed = false;
            for op in &body.ops {
                if c.has_cart_op(customer, &op.op_id)? {
                    continue;
                }
                if op.validate().is_err() {
                    rejected.push(reject(op, "invalid_op", "Opération de panier invalide"));
                    continue;
                }
                let Some(line) = (match retour_domain::BlNumber::parse(&op.delivery_note) {
                    Ok(bl) => c.delivery_line(customer, bl.as_str(), op.line_no)?,
                    Err(_) => None,
                }) else {
                    rejected.push(reject(
                        op,
                        "unknown_line",
                        "Cette ligne de BL est introuvable",
                    ));
                    continue;
                };
                if op.kind == OpKind::Put {
                    let eligible = rules.eligible(&line);
                    if op.qty.unwrap_or(1) > eligible {
                        rejected.push(reject(
                            op,
                            "quantity_exceeded",
                            &format!("Quantité supérieure à la quantité éligible ({eligible})"),
                        ));
                        continue;
                    }
                    if let Some(reason) = &op.reason {
                        if !rules.allowed(&line).iter().any(|r| r.as_str() == reason) {
                            rejected.push(reject(
                                op,
                                "reason_not_allowed",
                                "Ce motif n'est pas autorisé pour cette ligne",
                            ));
                            continue;
                        }
                    }
                }
                // Ops are stored with the BL number as the device sent it only once normalised.
                let mut stored = op.clone();
                stored.delivery_note = line.delivery_note.clone();
                if merged.apply(&stored).is_err() {
                    rejected.push(reject(op, "invalid_op", "Opération de panier invalide"));
                    continue;
                }
                c.insert_cart_op(customer, &stored)?;
                changed = true;
            }
            if changed {
                c.replace_cart_lines(customer, &merged.lines())?;
            }
            Ok(CartOpsResponse {
                cart: load_cart(c, customer, &rules)?,
                rejected,
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
        return Err(ApiError::bad_request("invalid_query", "Curseur invalide"));
    }
    let rows = state
        .read(move |c| Ok(c.cart_ops_after(customer, after, MAX_OPS as u32)?))
        .await?;
    let cursor = rows.last().map_or(after, |(seq, _)| *seq);
    Ok(Json(CartOpsPage {
        ops: rows.into_iter().map(|(_, op)| op).collect(),
        cursor,
    }))
}
