//! retour-domain's integration tests in one binary: the opening hours, the cart's merge, and the
//! money of v1.1 (reconciliation, deposits, report, return periods).

mod cart_props;
mod hours;
mod money_props;
