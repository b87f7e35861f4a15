//! The rule that every source file opens with a line saying what it holds.

use std::path::Path;

use super::{relative, source_files, Violation};

/// Architecture invariant: every source file says what it holds on its first line: `//!` for
/// Rust (`crates/`, `src-tauri/`, `tests/`, build scripts included), `//` for the UI's
/// JavaScript (`ui/js`, generated files included: their first line says they are generated).
pub fn module_doc_line(root: &Path) -> Vec<Violation> {
    let mut violations = Vec::new();
    let rust = source_files(root, &["crates", "src-tauri", "tests"], "rs");
    let js = source_files(root, &["ui/js"], "js");
    for (files, prefix, what) in [
        (rust, "//!", "a `//!` line saying what the module holds"),
        (js, "//", "a `//` comment saying what the file holds"),
    ] {
        for file in files {
            let first = std::fs::read_to_string(&file)
                .ok()
                .and_then(|text| text.lines().next().map(str::to_string))
                .unwrap_or_default();
            if !first.starts_with(prefix) {
                violations.push(Violation::at(
                    relative(root, &file),
                    1,
                    format!("the file does not open with {what}"),
                ));
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tidy::test_support::{messages, Tree};

    #[test]
    fn a_file_without_its_doc_line_is_reported() {
        let tree = Tree::new()
            .with("crates/a/src/lib.rs", "//! Holds a.\n")
            .with("crates/a/src/b.rs", "// Not a doc line.\nfn b() {}\n")
            .with("crates/a/build.rs", "fn main() {}\n")
            .with("crates/a/target/debug/out.rs", "generated\n")
            .with("tests/tests/x.rs", "//! A test.\n")
            .with("src-tauri/src/lib.rs", "\n//! Too late.\n")
            .with("ui/js/main.js", "// Boot.\n")
            .with("ui/js/screens/cart.js", "import x from \"y\";\n");
        assert_eq!(
            messages(&module_doc_line(tree.root())),
            [
                "crates/a/build.rs:1: the file does not open with a `//!` line saying what the module holds",
                "crates/a/src/b.rs:1: the file does not open with a `//!` line saying what the module holds",
                "src-tauri/src/lib.rs:1: the file does not open with a `//!` line saying what the module holds",
                "ui/js/screens/cart.js:1: the file does not open with a `//` comment saying what the file holds",
            ]
        );
    }
}
