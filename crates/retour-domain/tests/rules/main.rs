//! retour-domain's integration tests in one binary: the opening hours, the cart's merge, warranty claims and pickup tokens.

mod cart_props;
mod hours;
mod warranty;
