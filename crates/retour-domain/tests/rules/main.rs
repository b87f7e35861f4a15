//! retour-domain's integration tests in one binary: the opening hours and the cart's merge.

mod cart_props;
mod hours;
