//! `retour`: the command-line client.
fn main() {}
