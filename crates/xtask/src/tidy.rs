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
    ("bindings", generated_bindings_fresh),
];

/// `ui/js/commands.js` and the window's capability are what `cargo xtask bindings` makes of the
/// shell's commands.
fn generated_bindings_fresh(root: &Path) -> Vec<Violation> {
    match crate::bindings::check(root) {
        Ok(()) => Vec::new(),
        Err(error) => vec![Violation::from_error("ui/js/commands.js", error)],
    }
}

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

/// Runs every rule; fails on any violation.
fn check(root: &Path) -> Result<()> {
    let violations = violations(root, RULES);
    for (rule, violation) in &violations {
        println!("[{rule}] {violation}");
    }
    if !violations.is_empty() {
        bail!("tidy: {} violation(s)", violations.len());
    }
    println!("tidy: {} rules pass", RULES.len());
    Ok(())
}

/// Every violation of `rules` in the tree at `root`, with the name of its rule.
fn violations(root: &Path, rules: &[Rule]) -> Vec<(&'static str, Violation)> {
    rules
        .iter()
        .flat_map(|(rule, check)| check(root).into_iter().map(move |v| (*rule, v)))
        .collect()
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
    use super::*;

    /// A planted violation is reported under its rule; a clean tree reports none.
    #[test]
    fn violations_are_reported_with_their_rule() {
        let rules: &[Rule] = &[("module-doc-line", module_docs::module_doc_line)];
        let tree = test_support::Tree::new().with("ui/js/main.js", "import x from \"y\";\n");
        let found = violations(tree.root(), rules);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "module-doc-line");
        assert_eq!(
            found[0].1.to_string(),
            "ui/js/main.js:1: the file does not open with a `//` comment saying what the file holds"
        );
        let clean = test_support::Tree::new().with("ui/js/main.js", "// Boot.\n");
        assert!(violations(clean.root(), rules).is_empty());
    }

    /// Every rule on this repository: CI fails when the repository breaks one.
    #[test]
    fn the_repository_keeps_every_invariant() {
        let found = violations(&crate::root(), RULES);
        let lines: Vec<String> = found.iter().map(|(r, v)| format!("[{r}] {v}")).collect();
        assert!(found.is_empty(), "tidy violations:\n{}", lines.join("\n"));
    }
}
