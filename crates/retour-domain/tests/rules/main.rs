//! retour-domain's integration tests in one binary: the opening hours, the cart's merge, the
//! money of v1.1 (reconciliation, deposits, report, return periods), warranty claims and pickup
//! tokens.

mod cart_props;
mod hours;
mod money_props;
mod warranty;
