//! OpenAPI schemas (utoipa) for the domain types whose wire form is written by hand.
//!
//! Only compiled with the `openapi` feature. The wire types of [`crate::api`] derive `ToSchema`;
//! the types they hold that serialize themselves (money as strings, clocks, reason codes, cart
//! operations, opening hours, statuses) get their schema here, written to match their serde form.

use std::borrow::Cow;

use serde_json::{json, Value};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

/// Turns a JSON Schema written as JSON into utoipa's schema type.
fn from_json(value: Value) -> RefOr<Schema> {
    serde_json::from_value(value).expect("the hand-written schemas are valid")
}

/// The pattern of a two-decimal amount.
const MONEY: &str = r"^[0-9]{1,20}\.[0-9]{2}$";
/// The pattern of a hybrid logical clock.
const HLC: &str = r"^[0-9]{13}-[0-9]{4}-[A-Za-z0-9_-]{1,64}$";
/// The pattern of a reason code.
const REASON: &str = r"^[a-z0-9_]{1,32}$";

macro_rules! schema {
    ($ty:ty, $name:literal, $json:expr) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                from_json($json)
            }
        }
        impl utoipa::ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }
        }
    };
}

schema!(
    crate::money::Money,
    "Money",
    json!({"type": "string", "pattern": MONEY, "examples": ["17.27"],
        "description": "Euros HT with two decimals, as a string."})
);
schema!(
    crate::cart::Hlc,
    "Hlc",
    json!({"type": "string", "pattern": HLC, "examples": ["1764340800000-0000-phone-1"],
        "description": "A hybrid logical clock: <unix-ms, 13 digits>-<counter, 4 digits>-<device>."})
);
schema!(
    crate::reason::ReasonCode,
    "ReasonCode",
    json!({"type": "string", "pattern": REASON, "examples": ["new_part"]})
);
schema!(
    crate::status::DossierStatus,
    "DossierStatus",
    json!({"type": "string", "enum": ["sent", "received", "inspecting", "closed"]})
);
schema!(
    crate::status::Outcome,
    "Outcome",
    json!({"type": "string", "enum": ["accepted", "partial", "refused"]})
);
schema!(
    crate::status::Closure,
    "ClosedInfo",
    json!({"type": "object", "required": ["outcome", "validated_on", "credited_ht"],
    "properties": {
        "outcome": {"type": "string", "enum": ["accepted", "partial", "refused"]},
        "validated_on": {"type": "string", "format": "date"},
        "credited_ht": {"type": "string", "pattern": MONEY},
        "credit_note_number": {"type": "string"}
    }})
);
schema!(
    crate::reason::Estimate,
    "Estimate",
    json!({"oneOf": [
        {"type": "object", "required": ["kind", "rate"], "properties": {
            "kind": {"type": "string", "enum": ["rate"]},
            "rate": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"}}},
        {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": ["deposit"]}}},
        {"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "enum": ["after_inspection"]}}}
    ]})
);
schema!(
    crate::reason::Reason,
    "Reason",
    json!({"type": "object", "required": ["code", "label", "deposit_only", "estimate"],
    "properties": {
        "code": {"type": "string", "pattern": REASON},
        "label": {"type": "string"},
        "deposit_only": {"type": "boolean"},
        "photos": {"type": "string", "enum": ["none", "optional", "required"],
            "description": "Whether the reason asks for photos of the part (v1.1)"},
        "estimate": {"oneOf": [
            {"type": "object", "required": ["kind", "rate"], "properties": {
                "kind": {"type": "string", "enum": ["rate"]},
                "rate": {"type": "string"}}},
            {"type": "object", "required": ["kind"], "properties": {
                "kind": {"type": "string", "enum": ["deposit", "after_inspection"]}}}
        ]},
        "fee": {"type": "object", "required": ["rate", "label"], "properties": {
            "rate": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"},
            "label": {"type": "string"}}}
    }})
);
schema!(
    crate::cart::CartOp,
    "CartOp",
    json!({"type": "object", "required": ["op_id", "at", "kind", "delivery_note", "line_no"],
    "properties": {
        "op_id": {"type": "string", "format": "uuid"},
        "at": {"type": "string", "pattern": HLC},
        "kind": {"type": "string", "enum": ["put", "remove"]},
        "delivery_note": {"type": "string"},
        "line_no": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 4294967295u64},
        "qty": {"type": ["integer", "null"], "format": "int32", "minimum": 0,
            "description": "At least 1; an op with 0 is refused alone (invalid_op)", "maximum": 4294967295u64},
        "reason": {"type": ["string", "null"]},
        "seen": {"type": ["string", "null"], "pattern": HLC},
        "photos": {"type": ["array", "null"], "items": {"type": "string"},
            "description": "The line's photo ids (v1.1), last writer wins as a whole list: at most \
                5, each a SHA-256 in lowercase hex; an op with more is refused alone \
                (too_many_photos), one naming no uploaded photo too (photo_missing)"}
    }})
);
schema!(
    crate::hours::ScheduleDay,
    "ScheduleDay",
    json!({"oneOf": [
        {"type": "object", "required": ["day", "opens", "closes"], "properties": {
            "day": {"type": "string", "enum": ["monday", "tuesday", "wednesday", "thursday",
                "friday", "saturday", "sunday"]},
            "opens": {"type": "string", "pattern": r"^[0-9]{2}:[0-9]{2}$"},
            "closes": {"type": "string", "pattern": r"^[0-9]{2}:[0-9]{2}$"}}},
        {"type": "object", "required": ["day", "closed"], "properties": {
            "day": {"type": "string", "enum": ["monday", "tuesday", "wednesday", "thursday",
                "friday", "saturday", "sunday"]},
            "closed": {"type": "boolean", "enum": [true]}}}
    ]})
);

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;

    #[test]
    fn hand_written_schemas_parse() {
        let _ = crate::money::Money::schema();
        let _ = crate::cart::CartOp::schema();
        let _ = crate::hours::ScheduleDay::schema();
        let _ = crate::reason::Reason::schema();
        let _ = crate::status::Closure::schema();
    }
}
