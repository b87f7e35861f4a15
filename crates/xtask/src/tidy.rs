//! `cargo xtask tidy`: the architecture invariants of ARCHITECTURE.md turned into failures.
//!
//! Each rule is a function from the workspace root to the list of its violations (file and a
//! one-line explanation); [`RULES`] lists them, so adding one is one line. One module per rule
//! or pair of rules: `dependencies` (the domain's, the server's), `graph` (the crate graph in
//! ARCHITECTURE.md, which `cargo xtask tidy --graph` prints and `--graph --write` puts there),
//! `commands` (commands = UI calls), `i18n` (French = English keys), `module_docs` (a first line
//! saying what each file holds).

mod commands;
mod dependencies;
mod graph;
mod i18n;
mod module_docs;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use dependencies::CrateGraph;

/// One broken invariant: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The file to change, relative to the workspace root.
    pub file: PathBuf,
    /// The line in that file, when the rule knows it.
    pub line: Option<usize>,
    /// What is wrong, in one line.
    pub message: String,
}

impl Violation {
    fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Violation {
            file: file.into(),
            line: None,
            message: message.into(),
        }
    }

    fn at(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Violation {
            line: Some(line),
            ..Violation::new(file, message)
        }
    }

    /// A rule's check that could not run is itself a violation (tidy must not pass silently).
    fn from_error(file: impl Into<PathBuf>, error: anyhow::Error) -> Self {
        Violation::new(file, format!("{error:#}"))
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// A rule: its name (printed with its violations) and its check.
pub type Rule = (&'static str, fn(&Path) -> Vec<Violation>);

/// Every rule `cargo xtask tidy` runs, in order.
pub const RULES: &[Rule] = &[
    ("domain-dependencies", dependencies::domain_dependencies),
    ("server-dependencies", dependencies::server_dependencies),
    ("commands-match-ui", commands::commands_match_ui),
    ("i18n-keys-match", i18n::i18n_keys_match),
    ("module-doc-line", module_docs::module_doc_line),
    ("dependency-graph", graph::dependency_graph_documented),
    // The generated JS bindings (`crates/xtask/src/bindings.rs`, branch arch-ui) plug in here:
    // ("bindings", |root| match crate::bindings::check(root) {
    //     Ok(()) => Vec::new(),
    //     Err(error) => vec![Violation::from_error("ui/js/commands.js", error)],
    // }),
];

/// Violations today's tree is known to have, each being fixed on another branch of issue 10:
/// `(rule, file, part of the message)`. Tidy reports them without failing; an entry that is no
/// longer reported fails tidy, so that this list only shrinks. It must be empty once issue 10
/// is merged.
const KNOWN_VIOLATIONS: &[(&str, &str, &str)] = &[
    // The UI calls a `reasons` command that exists nowhere (issue 10, item 3: branch arch-ui).
    ("commands-match-ui", "ui/js/screens/cart.js", "`reasons`"),
    // Called through a variable or a ternary, so no `call("name"` literal names them; the
    // generated `ui/js/commands.js` (branch arch-ui) names every command it calls.
    (
        "commands-match-ui",
        "src-tauri/src/commands.rs",
        "`cart_set`",
    ),
    (
        "commands-match-ui",
        "src-tauri/src/commands.rs",
        "`cart_remove`",
    ),
    (
        "commands-match-ui",
        "src-tauri/src/commands.rs",
        "`request_password_reset`",
    ),
    (
        "commands-match-ui",
        "src-tauri/src/commands.rs",
        "`request_unlock`",
    ),
];

/// `cargo xtask tidy [--graph [--write]]`.
pub fn run(args: &[String]) -> Result<()> {
    let root = crate::root();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => check(&root),
        ["--graph"] => {
            print!("{}", graph::mermaid_graph(&CrateGraph::load(&root)?));
            Ok(())
        }
        ["--graph", "--write"] => graph::write_graph(&root),
        _ => bail!("usage: cargo xtask tidy [--graph [--write]]"),
    }
}

/// Runs every rule; fails on any violation that is not a known one, or on a known one that is
/// gone.
fn check(root: &Path) -> Result<()> {
    let report = Report::of(root, RULES);
    for (rule, violation) in &report.known {
        println!("known, being fixed elsewhere [{rule}] {violation}");
    }
    for (rule, violation) in &report.new {
        println!("[{rule}] {violation}");
    }
    for (rule, file, text) in &report.stale {
        println!("[{rule}] {file}: no longer reports {text}: remove it from KNOWN_VIOLATIONS in crates/xtask/src/tidy.rs");
    }
    if !report.passes() {
        bail!(
            "tidy: {} violation(s), {} stale known violation(s)",
            report.new.len(),
            report.stale.len()
        );
    }
    println!("tidy: {} rules pass", RULES.len());
    Ok(())
}

/// The violations of a run, split against [`KNOWN_VIOLATIONS`].
struct Report {
    new: Vec<(&'static str, Violation)>,
    known: Vec<(&'static str, Violation)>,
    stale: Vec<(&'static str, &'static str, &'static str)>,
}

impl Report {
    fn of(root: &Path, rules: &[Rule]) -> Report {
        let mut report = Report {
            new: Vec::new(),
            known: Vec::new(),
            stale: Vec::new(),
        };
        let mut seen = vec![false; KNOWN_VIOLATIONS.len()];
        for (rule, check) in rules {
            for violation in check(root) {
                let known = KNOWN_VIOLATIONS.iter().position(|(r, file, text)| {
                    r == rule
                        && violation.file == Path::new(file)
                        && violation.message.contains(text)
                });
                match known {
                    Some(index) => {
                        seen[index] = true;
                        report.known.push((rule, violation));
                    }
                    None => report.new.push((rule, violation)),
                }
            }
        }
        report.stale = KNOWN_VIOLATIONS
            .iter()
            .zip(seen)
            .filter(|&(_, seen)| !seen)
            .map(|(known, _)| *known)
            .collect();
        report
    }

    fn passes(&self) -> bool {
        self.new.is_empty() && self.stale.is_empty()
    }
}

/// The files with extension `extension` under the given directories of `root`, sorted; build
/// output (`target`), `node_modules`, hidden directories and Tauri's generated `src-tauri/gen`
/// are skipped.
fn source_files(root: &Path, directories: &[&str], extension: &str) -> Vec<PathBuf> {
    fn walk(directory: &Path, skipped: &Path, extension: &str, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(directory) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                let skip = ["target", "node_modules"].contains(&name.as_str())
                    || name.starts_with('.')
                    || path == skipped;
                if !skip {
                    walk(&path, skipped, extension, files);
                }
            } else if path.extension().is_some_and(|e| e == extension) {
                files.push(path);
            }
        }
    }
    let generated = root.join("src-tauri/gen");
    let mut files = Vec::new();
    for directory in directories {
        walk(&root.join(directory), &generated, extension, &mut files);
    }
    files.sort();
    files
}

fn relative(root: &Path, file: &Path) -> PathBuf {
    file.strip_prefix(root).unwrap_or(file).to_path_buf()
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A fake workspace tree in a temporary directory, and violations as the lines tidy prints.

    use std::path::Path;

    use super::Violation;

    /// A fake workspace tree in a temporary directory.
    pub struct Tree(tempfile::TempDir);

    impl Tree {
        pub fn new() -> Tree {
            Tree(tempfile::tempdir().unwrap())
        }

        pub fn with(self, path: &str, text: &str) -> Tree {
            let path = self.0.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            self
        }

        pub fn root(&self) -> &Path {
            self.0.path()
        }
    }

    pub fn messages(violations: &[Violation]) -> Vec<String> {
        violations.iter().map(ToString::to_string).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::messages;
    use super::*;

    /// A violation not on the known list fails tidy, and so does a known one no longer reported.
    #[test]
    fn new_violations_and_stale_known_ones_fail() {
        let tree = test_support::Tree::new().with("ui/js/main.js", "import x from \"y\";\n");
        let report = Report::of(
            tree.root(),
            &[("module-doc-line", module_docs::module_doc_line)],
        );
        assert_eq!(
            messages(&report.new.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()),
            ["ui/js/main.js:1: the file does not open with a `//` comment saying what the file holds"]
        );
        // The known violations belong to other rules: none was reported, so all are stale.
        assert_eq!(report.stale.len(), KNOWN_VIOLATIONS.len());
        assert!(!report.passes());
        let clean = test_support::Tree::new().with("ui/js/main.js", "// Boot.\n");
        let report = Report::of(
            clean.root(),
            &[("module-doc-line", module_docs::module_doc_line)],
        );
        assert!(report.new.is_empty());
        assert_eq!(report.passes(), KNOWN_VIOLATIONS.is_empty());
    }

    /// Every rule on this repository: CI fails when the repository breaks one.
    #[test]
    fn the_repository_keeps_every_invariant() {
        let report = Report::of(&crate::root(), RULES);
        let new = messages(
            &report
                .new
                .iter()
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>(),
        );
        assert!(new.is_empty(), "tidy violations:\n{}", new.join("\n"));
        assert!(
            report.stale.is_empty(),
            "known violations now fixed, remove them from KNOWN_VIOLATIONS: {:?}",
            report.stale
        );
    }
}
