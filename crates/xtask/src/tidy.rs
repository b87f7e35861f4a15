//! `cargo xtask tidy`: the architecture invariants of ARCHITECTURE.md turned into failures.
//!
//! Each rule is a function from the workspace root to the list of its violations (file and a
//! one-line explanation); [`RULES`] lists them, so adding one is one line. The dependency rules
//! read `cargo metadata` through [`CrateGraph`], which a test can also build by hand.
//! `cargo xtask tidy --graph` prints the crate graph that ARCHITECTURE.md must show
//! (`--graph --write` puts it there).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

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
    ("domain-dependencies", domain_dependencies),
    ("server-dependencies", server_dependencies),
    ("commands-match-ui", commands_match_ui),
    ("i18n-keys-match", i18n_keys_match),
    ("module-doc-line", module_doc_line),
    ("dependency-graph", dependency_graph_documented),
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
            print!("{}", mermaid_graph(&CrateGraph::load(&root)?));
            Ok(())
        }
        ["--graph", "--write"] => write_graph(&root),
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

// ---------------------------------------------------------------------------------------------
// Dependencies

/// What the dependency rules read of `cargo metadata`: the workspace's crates as declared, and
/// the resolved graph of normal dependencies (every platform, features unified).
#[derive(Debug, Default, Clone)]
pub struct CrateGraph {
    /// The workspace members by package name.
    pub members: BTreeMap<String, Member>,
    /// Every package of the resolved graph by name, with the names of its normal dependencies.
    pub normal: BTreeMap<String, BTreeSet<String>>,
}

/// A workspace member as its manifest declares it.
#[derive(Debug, Default, Clone)]
pub struct Member {
    pub dependencies: Vec<Declared>,
    /// Feature name → what it enables (`dep:x`, `x/feature`, another feature…).
    pub features: BTreeMap<String, Vec<String>>,
}

/// One declared dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// The package's name (not its rename).
    pub name: String,
    pub kind: DependencyKind,
    pub optional: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependencyKind {
    Normal,
    Dev,
    Build,
}

impl CrateGraph {
    /// Runs `cargo metadata` in `root`.
    pub fn load(root: &Path) -> Result<CrateGraph> {
        let metadata = cargo_metadata::MetadataCommand::new()
            .current_dir(root)
            .exec()
            .context("cargo metadata failed")?;
        Ok(CrateGraph::from_metadata(&metadata))
    }

    fn from_metadata(metadata: &cargo_metadata::Metadata) -> CrateGraph {
        use cargo_metadata::DependencyKind as Kind;
        let names: BTreeMap<_, _> = metadata
            .packages
            .iter()
            .map(|package| (&package.id, package.name.clone()))
            .collect();
        let members = metadata
            .workspace_packages()
            .into_iter()
            .map(|package| {
                let dependencies = package
                    .dependencies
                    .iter()
                    .map(|dependency| Declared {
                        name: dependency.name.clone(),
                        kind: match dependency.kind {
                            Kind::Development => DependencyKind::Dev,
                            Kind::Build => DependencyKind::Build,
                            _ => DependencyKind::Normal,
                        },
                        optional: dependency.optional,
                    })
                    .collect();
                let member = Member {
                    dependencies,
                    features: package.features.clone(),
                };
                (package.name.clone(), member)
            })
            .collect();
        let mut normal: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for node in metadata.resolve.iter().flat_map(|resolve| &resolve.nodes) {
            let entry = normal.entry(names[&node.id].clone()).or_default();
            for dependency in &node.deps {
                if dependency
                    .dep_kinds
                    .iter()
                    .any(|info| info.kind == Kind::Normal)
                {
                    entry.insert(names[&dependency.pkg].clone());
                }
            }
        }
        CrateGraph { members, normal }
    }

    /// The path from `from` to the first package `is_target` accepts, over normal dependencies,
    /// not following the edges `skip` refuses.
    fn find_path(
        &self,
        from: &str,
        is_target: impl Fn(&str) -> bool,
        skip: impl Fn(&str, &str) -> bool,
    ) -> Option<Vec<String>> {
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        while let Some(name) = queue.pop_front() {
            for next in self.normal.get(name).into_iter().flatten() {
                let next = next.as_str();
                if next == from || parent.contains_key(next) || skip(name, next) {
                    continue;
                }
                parent.insert(next, name);
                if is_target(next) {
                    let mut path = vec![next.to_string()];
                    let mut at = next;
                    while let Some(&previous) = parent.get(at) {
                        path.push(previous.to_string());
                        at = previous;
                    }
                    path.reverse();
                    return Some(path);
                }
                queue.push_back(next);
            }
        }
        None
    }
}

/// The crate that holds the business rules and must do no IO.
const DOMAIN: &str = "retour-domain";

/// What `retour-domain` may declare as normal dependencies. Adding one is a design decision:
/// it must be pure (no IO, no clock of its own, no async runtime).
const DOMAIN_ALLOWED: &[&str] = &[
    "chrono",
    "chrono-tz",
    "rust_decimal",
    "serde",
    "serde_json",
    "thiserror",
    "unicode-normalization",
    "uuid",
    // Optional (feature `openapi`): the wire types' schemas for the server's OpenAPI document.
    "utoipa",
];

/// Crates that do IO (network, files, databases, windows, devices): none may be anywhere in
/// `retour-domain`'s normal dependency tree. A name ending in `*` is a prefix.
const IO_CRATES: &[&str] = &[
    "tokio*",
    "mio",
    "async-std",
    "smol",
    "hyper*",
    "h2",
    "h3",
    "reqwest",
    "ureq",
    "socket2",
    "rustls*",
    "native-tls",
    "openssl*",
    "axum*",
    "tower*",
    "tauri*",
    "wry",
    "rusqlite*",
    "libsqlite3-sys",
    "sqlx*",
    "postgres*",
    "tokio-postgres",
    "lettre",
    "keyring",
    "nokhwa*",
    "walkdir",
    "notify",
];

fn is_io_crate(name: &str) -> bool {
    IO_CRATES
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == *pattern,
        })
}

fn domain_dependencies(root: &Path) -> Vec<Violation> {
    match CrateGraph::load(root) {
        Ok(graph) => check_domain_dependencies(&graph),
        Err(error) => vec![Violation::from_error("Cargo.toml", error)],
    }
}

/// Architecture invariant: `retour-domain` does no IO. Its normal dependencies are on an
/// allow-list, and no IO crate is anywhere in its normal tree.
pub fn check_domain_dependencies(graph: &CrateGraph) -> Vec<Violation> {
    let manifest = format!("crates/{DOMAIN}/Cargo.toml");
    let Some(domain) = graph.members.get(DOMAIN) else {
        return vec![Violation::new(
            "crates/xtask/src/tidy.rs",
            format!("{DOMAIN} is not in the workspace: update the domain rules"),
        )];
    };
    let mut violations: Vec<Violation> = domain
        .dependencies
        .iter()
        .filter(|d| d.kind != DependencyKind::Dev && !DOMAIN_ALLOWED.contains(&d.name.as_str()))
        .map(|d| {
            Violation::new(
                &manifest,
                format!(
                    "{DOMAIN} depends on `{}`, not on its allow-list (DOMAIN_ALLOWED in crates/xtask/src/tidy.rs): the domain stays pure",
                    d.name
                ),
            )
        })
        .collect();
    let mut reported = BTreeSet::new();
    // One path per IO crate reached, shortest first; not through another IO crate (whose own
    // dependencies are no news).
    while let Some(path) = graph.find_path(
        DOMAIN,
        |name| is_io_crate(name) && !reported.contains(name),
        |from, _| is_io_crate(from),
    ) {
        let reached = path.last().cloned().unwrap_or_default();
        violations.push(Violation::new(
            &manifest,
            format!(
                "{DOMAIN} does IO through `{reached}` ({}): no IO crate in the domain's normal dependencies",
                path.join(" → ")
            ),
        ));
        reported.insert(reached);
    }
    violations
}

/// The reference backend.
const SERVER: &str = "retour-server";

/// The crate whose `demo-backend` feature may start the server in-process, and that feature.
const DEMO_HOST: (&str, &str) = ("retour-app", "demo-backend");

/// The crates that make up the app and its clients: none depends on the server, except
/// `retour-app` through its `demo-backend` feature.
const CLIENT_CRATES: &[&str] = &[
    "retour-app",
    "retour-sync",
    "retour-store",
    "retour-scan",
    "retour-camera",
    "retour-cli",
    "retour-tauri",
];

fn server_dependencies(root: &Path) -> Vec<Violation> {
    match CrateGraph::load(root) {
        Ok(graph) => check_server_dependencies(&graph),
        Err(error) => vec![Violation::from_error("Cargo.toml", error)],
    }
}

/// Whether a feature's entry turns on the dependency `name` (`dep:x`, `x`, `x/f`, `x?/f`).
fn enables_dependency(entry: &str, name: &str) -> bool {
    let target = entry.strip_prefix("dep:").unwrap_or(entry);
    let target = target.split('/').next().unwrap_or(target);
    target.trim_end_matches('?') == name
}

/// Architecture invariant: client and server share nothing but `retour-domain`. No client crate
/// depends on `retour-server` (normal or build dependency, directly or not), except
/// `retour-app`, optionally, through its `demo-backend` feature alone, which no default feature
/// turns on. Dev-dependencies are allowed: tests may run the real server.
pub fn check_server_dependencies(graph: &CrateGraph) -> Vec<Violation> {
    let (host, feature) = DEMO_HOST;
    let mut violations = Vec::new();
    for &client in CLIENT_CRATES {
        let manifest = manifest_of(client);
        let Some(member) = graph.members.get(client) else {
            violations.push(Violation::new(
                "crates/xtask/src/tidy.rs",
                format!("client crate {client} is not in the workspace: update CLIENT_CRATES"),
            ));
            continue;
        };
        for dependency in &member.dependencies {
            if dependency.name != SERVER || dependency.kind == DependencyKind::Dev {
                continue;
            }
            let allowed =
                client == host && dependency.kind == DependencyKind::Normal && dependency.optional;
            if !allowed {
                violations.push(Violation::new(
                    &manifest,
                    format!("{client} depends on {SERVER}: only {host} may, as an optional dependency behind its `{feature}` feature"),
                ));
            }
        }
        if client == host {
            if !member.features.get(feature).is_some_and(|entries| {
                entries
                    .iter()
                    .any(|entry| enables_dependency(entry, SERVER))
            }) && member.dependencies.iter().any(|d| d.name == SERVER)
            {
                violations.push(Violation::new(
                    &manifest,
                    format!("{host}'s `{feature}` feature does not turn on {SERVER}"),
                ));
            }
            for (name, entries) in &member.features {
                if name != feature
                    && entries
                        .iter()
                        .any(|entry| enables_dependency(entry, SERVER))
                {
                    violations.push(Violation::new(
                        &manifest,
                        format!("{host}'s feature `{name}` turns on {SERVER}: only `{feature}` may (write `dep:{SERVER}` there)"),
                    ));
                }
            }
            if feature_enables(member, "default", feature) {
                violations.push(Violation::new(
                    &manifest,
                    format!("{host}'s default features turn on `{feature}`: the server would ship in every client"),
                ));
            }
        }
        // Indirectly: through any other crate than the demo host's optional edge.
        if let Some(path) = graph.find_path(
            client,
            |name| name == SERVER,
            |from, to| from == host && to == SERVER,
        ) {
            violations.push(Violation::new(
                &manifest,
                format!(
                    "{client} reaches {SERVER} through {}: only {host}'s `{feature}` feature may",
                    path.join(" → ")
                ),
            ));
        }
    }
    violations
}

/// Whether `feature` of `member` turns on `wanted`, directly or through other features.
fn feature_enables(member: &Member, feature: &str, wanted: &str) -> bool {
    let mut stack = vec![feature];
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if !seen.insert(name) {
            continue;
        }
        for entry in member.features.get(name).into_iter().flatten() {
            if entry == wanted {
                return true;
            }
            stack.push(entry);
        }
    }
    false
}

/// Where a workspace crate's manifest is, by the layout's convention.
fn manifest_of(package: &str) -> String {
    match package {
        "retour-tauri" => "src-tauri/Cargo.toml".to_string(),
        "retour-tests" => "tests/Cargo.toml".to_string(),
        name => format!("crates/{name}/Cargo.toml"),
    }
}

// ---------------------------------------------------------------------------------------------
// Dependency graph in ARCHITECTURE.md

const GRAPH_BEGIN: &str =
    "<!-- dependency-graph: generated by `cargo xtask tidy --graph --write`, checked by tidy -->";
const GRAPH_END: &str = "<!-- end of dependency-graph -->";

/// The workspace crates and their normal dependencies on each other, as a mermaid graph (an
/// optional dependency is dotted, labelled with the feature that turns it on).
pub fn mermaid_graph(graph: &CrateGraph) -> String {
    let id = |name: &str| name.replace('-', "_");
    let mut edges = Vec::new();
    for (name, member) in &graph.members {
        let mut targets: Vec<&Declared> = member
            .dependencies
            .iter()
            .filter(|d| d.kind == DependencyKind::Normal && graph.members.contains_key(&d.name))
            .collect();
        targets.sort_by(|a, b| a.name.cmp(&b.name));
        targets.dedup_by(|a, b| a.name == b.name);
        for target in targets {
            let arrow = if target.optional {
                let features: Vec<&str> = member
                    .features
                    .iter()
                    .filter(|(_, entries)| {
                        entries.iter().any(|e| enables_dependency(e, &target.name))
                    })
                    .map(|(feature, _)| feature.as_str())
                    .collect();
                format!("-. {} .->", features.join(", "))
            } else {
                "-->".to_string()
            };
            edges.push(format!("  {} {arrow} {}", id(name), id(&target.name)));
        }
    }
    let mut out = String::from("```mermaid\ngraph TD\n");
    // Crates with no edge (xtask) are left out.
    for name in graph.members.keys() {
        let linked = edges.iter().any(|edge| {
            edge.split_whitespace()
                .any(|word| word == id(name).as_str())
        });
        if linked {
            out.push_str(&format!("  {}[{name}]\n", id(name)));
        }
    }
    for edge in edges {
        out.push_str(&edge);
        out.push('\n');
    }
    out.push_str("```\n");
    out
}

/// The text between the graph markers of ARCHITECTURE.md, if both are there.
fn documented_graph(architecture: &str) -> Option<(usize, usize)> {
    let begin = architecture.find(GRAPH_BEGIN)? + GRAPH_BEGIN.len() + 1;
    let end = begin + architecture.get(begin..)?.find(GRAPH_END)?;
    Some((begin, end))
}

fn dependency_graph_documented(root: &Path) -> Vec<Violation> {
    match CrateGraph::load(root) {
        Ok(graph) => check_dependency_graph(root, &graph),
        Err(error) => vec![Violation::from_error("Cargo.toml", error)],
    }
}

/// ARCHITECTURE.md shows the crate graph as it is.
pub fn check_dependency_graph(root: &Path, graph: &CrateGraph) -> Vec<Violation> {
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap_or_default();
    match documented_graph(&text) {
        None => vec![Violation::new(
            "ARCHITECTURE.md",
            "no dependency graph between the markers: run `cargo xtask tidy --graph --write`",
        )],
        Some((begin, end)) if text[begin..end] != mermaid_graph(graph) => vec![Violation::new(
            "ARCHITECTURE.md",
            "the dependency graph differs from `cargo metadata`: run `cargo xtask tidy --graph --write`",
        )],
        Some(_) => Vec::new(),
    }
}

fn write_graph(root: &Path) -> Result<()> {
    let path = root.join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).context("cannot read ARCHITECTURE.md")?;
    let Some((begin, end)) = documented_graph(&text) else {
        bail!("ARCHITECTURE.md has no graph markers:\n{GRAPH_BEGIN}\n{GRAPH_END}");
    };
    let graph = mermaid_graph(&CrateGraph::load(root)?);
    let updated = format!("{}{graph}{}", &text[..begin], &text[end..]);
    std::fs::write(&path, updated).context("cannot write ARCHITECTURE.md")?;
    print!("{graph}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Commands and the UI's calls

/// Commands the UI legitimately never calls, each with why. Empty today.
const UNCALLED_COMMANDS: &[(&str, &str)] = &[];

/// Architecture invariant: the shell's commands and the UI's calls match. Every
/// `invoke("name"` or `call("name"` in `ui/js` names a `#[tauri::command]` of `src-tauri/src`,
/// and every command is called by the UI (or listed in [`UNCALLED_COMMANDS`]).
pub fn commands_match_ui(root: &Path) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut commands: BTreeMap<String, PathBuf> = BTreeMap::new();
    for file in source_files(root, &["src-tauri/src"], "rs") {
        let relative = relative(root, &file);
        let text = match std::fs::read_to_string(&file) {
            Ok(text) => text,
            Err(error) => {
                violations.push(Violation::new(&relative, format!("cannot read: {error}")));
                continue;
            }
        };
        match tauri_commands(&text) {
            Ok(names) => {
                for name in names {
                    commands.insert(name, relative.clone());
                }
            }
            Err(error) => violations.push(Violation::new(
                &relative,
                format!("cannot parse (syn): {error}"),
            )),
        }
    }
    let mut called = BTreeSet::new();
    for file in source_files(root, &["ui/js"], "js") {
        let relative = relative(root, &file);
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (name, line) in ui_calls(&text) {
            if !commands.contains_key(&name) {
                violations.push(Violation::at(
                    &relative,
                    line,
                    format!(
                        "the UI calls `{name}`, which is no #[tauri::command] in src-tauri/src"
                    ),
                ));
            }
            called.insert(name);
        }
    }
    for (name, file) in &commands {
        let allowed = UNCALLED_COMMANDS.iter().any(|(n, _)| n == name);
        if !called.contains(name) && !allowed {
            violations.push(Violation::new(
                file,
                format!("command `{name}` is never called by the UI (no `invoke(\"{name}\"` in ui/js): remove it or add it to UNCALLED_COMMANDS with why"),
            ));
        }
    }
    violations
}

/// The names of the `#[tauri::command]` (or `#[command]`) functions of a Rust file, nested
/// modules included.
fn tauri_commands(source: &str) -> syn::Result<Vec<String>> {
    fn is_command(attribute: &syn::Attribute) -> bool {
        let segments: Vec<String> = attribute
            .path()
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        matches!(
            segments.iter().map(String::as_str).collect::<Vec<_>>()[..],
            ["command"] | ["tauri", "command"]
        )
    }
    fn walk(items: &[syn::Item], names: &mut Vec<String>) {
        for item in items {
            match item {
                syn::Item::Fn(function) if function.attrs.iter().any(is_command) => {
                    names.push(function.sig.ident.to_string());
                }
                syn::Item::Mod(module) => {
                    if let Some((_, items)) = &module.content {
                        walk(items, names);
                    }
                }
                _ => {}
            }
        }
    }
    let file = syn::parse_file(source)?;
    let mut names = Vec::new();
    walk(&file.items, &mut names);
    Ok(names)
}

/// Every `invoke("name"` or `call("name"` (any quote, spaces allowed) of a JS file, with its line.
fn ui_calls(source: &str) -> Vec<(String, usize)> {
    let mut calls = Vec::new();
    for (index, line) in source.lines().enumerate() {
        for function in ["invoke(", "call("] {
            let mut from = 0;
            while let Some(found) = line[from..].find(function) {
                let start = from + found;
                from = start + function.len();
                let before = line[..start].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                    continue;
                }
                let rest = line[from..].trim_start();
                let Some(quote) = rest.chars().next().filter(|c| "\"'`".contains(*c)) else {
                    continue;
                };
                let rest = &rest[1..];
                let Some(end) = rest.find(quote) else {
                    continue;
                };
                let name = &rest[..end];
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    calls.push((name.to_string(), index + 1));
                }
            }
        }
    }
    calls
}

// ---------------------------------------------------------------------------------------------
// Translations

/// Architecture invariant: French and English have the same keys. Reads `ui/js/i18n/fr.js` and
/// `en.js` (`export default { key: …, };`), or, before they exist, the `const fr = {` and
/// `const en = {` objects of `ui/js/i18n.js` (where English spreads `...fr`). A key twice in one
/// language is reported too.
pub fn i18n_keys_match(root: &Path) -> Vec<Violation> {
    let split = (root.join("ui/js/i18n/fr.js"), root.join("ui/js/i18n/en.js"));
    let sources = if split.0.exists() || split.1.exists() {
        let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
        let (fr, en) = (read(&split.0), read(&split.1));
        (
            ("ui/js/i18n/fr.js", keys_of(&fr, "export default {")),
            ("ui/js/i18n/en.js", keys_of(&en, "export default {")),
        )
    } else {
        let text = std::fs::read_to_string(root.join("ui/js/i18n.js")).unwrap_or_default();
        let fr = keys_of(&text, "const fr = {");
        let mut en = keys_of(&text, "const en = {");
        // Today's English object opens with `...fr`: it has every French key.
        if let (Some(fr), Some(en), true) = (&fr, &mut en, text.contains("\n  ...fr,")) {
            for (key, line) in fr {
                if !en.iter().any(|(english, _)| english == key) {
                    en.push((key.clone(), *line));
                }
            }
        }
        (("ui/js/i18n.js", fr), ("ui/js/i18n.js", en))
    };
    let ((fr_file, fr), (en_file, en)) = sources;
    let (Some(fr), Some(en)) = (fr, en) else {
        return vec![Violation::new(
            "ui/js",
            "no French and English texts found (ui/js/i18n/fr.js and en.js, each `export default {`)",
        )];
    };
    let mut violations = Vec::new();
    for (file, keys) in [(fr_file, &fr), (en_file, &en)] {
        let mut seen = BTreeSet::new();
        for (key, line) in keys {
            if !seen.insert(key) {
                violations.push(Violation::at(
                    file,
                    *line,
                    format!("key `{key}` is there twice"),
                ));
            }
        }
    }
    let fr_keys: BTreeSet<&String> = fr.iter().map(|(key, _)| key).collect();
    let en_keys: BTreeSet<&String> = en.iter().map(|(key, _)| key).collect();
    for (key, line) in &fr {
        if !en_keys.contains(key) {
            violations.push(Violation::at(
                en_file,
                *line,
                format!("English lacks key `{key}` (French line {line})"),
            ));
        }
    }
    for (key, line) in &en {
        if !fr_keys.contains(key) {
            violations.push(Violation::at(
                fr_file,
                *line,
                format!("French lacks key `{key}` (English line {line})"),
            ));
        }
    }
    violations
}

/// The top-level keys of the object literal that opens on the line `opening` (trimmed) and
/// closes at the next `};` in column 0, with their lines. A top-level key is an identifier or
/// quoted name followed by `:` at the indentation of the first entry; values may span lines.
fn keys_of(source: &str, opening: &str) -> Option<Vec<(String, usize)>> {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines.iter().position(|line| line.trim_end() == opening)?;
    let mut keys = Vec::new();
    let mut indent = None;
    for (index, line) in lines.iter().enumerate().skip(start + 1) {
        if line.starts_with("};") || line.trim_end() == "}" {
            return Some(keys);
        }
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let depth = line.len() - trimmed.len();
        if *indent.get_or_insert(depth) != depth {
            continue;
        }
        let key = if let Some(quote) = trimmed.chars().next().filter(|c| *c == '"' || *c == '\'') {
            trimmed[1..]
                .find(quote)
                .map(|end| (&trimmed[1..1 + end], &trimmed[2 + end..]))
        } else {
            let end = trimmed
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(trimmed.len());
            Some((&trimmed[..end], &trimmed[end..]))
        };
        if let Some((key, after)) = key {
            if !key.is_empty() && after.trim_start().starts_with(':') {
                keys.push((key.to_string(), index + 1));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Module documentation

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

// ---------------------------------------------------------------------------------------------
// Files

/// The files with extension `extension` under the given directories of `root`, sorted; build
/// output (`target`), `node_modules`, Tauri's generated `gen` and hidden directories are skipped.
fn source_files(root: &Path, directories: &[&str], extension: &str) -> Vec<PathBuf> {
    fn walk(directory: &Path, extension: &str, files: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(directory) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                let skipped = ["target", "node_modules", "gen"].contains(&name.as_str())
                    || name.starts_with('.');
                if !skipped {
                    walk(&path, extension, files);
                }
            } else if path.extension().is_some_and(|e| e == extension) {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for directory in directories {
        walk(&root.join(directory), extension, &mut files);
    }
    files.sort();
    files
}

fn relative(root: &Path, file: &Path) -> PathBuf {
    file.strip_prefix(root).unwrap_or(file).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake workspace tree in a temporary directory.
    struct Tree(tempfile::TempDir);

    impl Tree {
        fn new() -> Tree {
            Tree(tempfile::tempdir().unwrap())
        }

        fn with(self, path: &str, text: &str) -> Tree {
            let path = self.0.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            self
        }

        fn root(&self) -> &Path {
            self.0.path()
        }
    }

    fn messages(violations: &[Violation]) -> Vec<String> {
        violations.iter().map(ToString::to_string).collect()
    }

    // ----- commands and the UI's calls

    const COMMANDS_RS: &str = "//! Commands.\n\
        #[tauri::command]\npub fn cart() -> Result<(), ()> { Ok(()) }\n\
        #[tauri::command(async)]\npub fn cart_send() -> Result<(), ()> { Ok(()) }\n\
        pub fn helper() {}\n";

    #[test]
    fn a_ui_call_to_an_unknown_command_is_reported() {
        let tree = Tree::new()
            .with("src-tauri/src/commands.rs", COMMANDS_RS)
            .with(
                "ui/js/commands.js",
                "// Generated.\nexport const cart = () => invoke(\"cart\");\n\
                 export const cartSend = () => invoke(\"cart_send\");\n\
                 export const reasons = () => invoke( 'reasons', {});\n",
            );
        let violations = commands_match_ui(tree.root());
        assert_eq!(
            messages(&violations),
            ["ui/js/commands.js:4: the UI calls `reasons`, which is no #[tauri::command] in src-tauri/src"]
        );
    }

    #[test]
    fn a_command_the_ui_never_calls_is_reported() {
        let tree = Tree::new()
            .with("src-tauri/src/commands.rs", COMMANDS_RS)
            .with(
                "ui/js/api.js",
                "// Api.\nawait call(\"cart\");\nrecall(\"cart_send\");\n",
            );
        let violations = commands_match_ui(tree.root());
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].file, Path::new("src-tauri/src/commands.rs"));
        assert!(violations[0]
            .message
            .contains("`cart_send` is never called"));
    }

    #[test]
    fn commands_in_nested_modules_count_and_plain_functions_do_not() {
        let source = "mod inner { #[command] fn deep() {} }\n#[other] fn not_one() {}\n";
        assert_eq!(tauri_commands(source).unwrap(), ["deep"]);
    }

    #[test]
    fn ui_calls_read_literals_only() {
        let calls =
            ui_calls("call(command, args); tauri.core.invoke(x); invoke(`cart`); call(\"a b\")");
        assert_eq!(calls, [("cart".to_string(), 1)]);
    }

    // ----- translations

    const FR: &str = "// Français.\nexport default {\n  appName: \"Retour\",\n  pending: (n) =>\n    `${n} en attente`,\n  \"quoted-key\": \"x\",\n  nested: { inner: 1 },\n};\n";

    #[test]
    fn an_english_file_missing_a_key_is_reported() {
        let en = "// English.\nexport default {\n  appName: \"Retour\",\n  // a comment: not a key\n  \"quoted-key\": \"x\",\n  nested: {\n    inner: 1,\n  },\n};\n";
        let tree = Tree::new()
            .with("ui/js/i18n/fr.js", FR)
            .with("ui/js/i18n/en.js", en);
        assert_eq!(
            messages(&i18n_keys_match(tree.root())),
            ["ui/js/i18n/en.js:4: English lacks key `pending` (French line 4)"]
        );
    }

    #[test]
    fn matching_languages_pass_and_a_key_twice_is_reported() {
        let tree = Tree::new()
            .with("ui/js/i18n/fr.js", FR)
            .with("ui/js/i18n/en.js", FR);
        assert!(i18n_keys_match(tree.root()).is_empty());
        let twice = FR.replace("  nested:", "  appName: \"Again\",\n  nested:");
        let tree = Tree::new()
            .with("ui/js/i18n/fr.js", &twice)
            .with("ui/js/i18n/en.js", &twice);
        let violations = i18n_keys_match(tree.root());
        assert_eq!(violations.len(), 2, "{violations:?}");
        assert!(violations[0].message.contains("`appName` is there twice"));
    }

    #[test]
    fn the_single_i18n_file_of_today_is_read_too() {
        let text =
            "// Texts.\nconst fr = {\n  a: 1,\n  b: 2,\n};\n\nconst en = {\n  a: 1,\n  c: 3,\n};\n";
        let spread = "// Texts.\nconst fr = {\n  a: 1,\n  b: 2,\n};\n\nconst en = {\n  ...fr,\n  a: 1,\n};\n";
        let tree = Tree::new().with("ui/js/i18n.js", text);
        assert_eq!(
            messages(&i18n_keys_match(tree.root())),
            [
                "ui/js/i18n.js:4: English lacks key `b` (French line 4)",
                "ui/js/i18n.js:9: French lacks key `c` (English line 9)",
            ]
        );
        let tree = Tree::new().with("ui/js/i18n.js", spread);
        assert!(i18n_keys_match(tree.root()).is_empty());
    }

    #[test]
    fn no_translations_at_all_is_reported() {
        assert_eq!(i18n_keys_match(Tree::new().root()).len(), 1);
    }

    // ----- module documentation

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

    // ----- dependencies

    fn normal(name: &str) -> Declared {
        Declared {
            name: name.to_string(),
            kind: DependencyKind::Normal,
            optional: false,
        }
    }

    /// A graph shaped like the real one: the domain, a client stack, the server behind the app's
    /// demo feature.
    fn sound_graph() -> CrateGraph {
        let mut graph = CrateGraph::default();
        let mut member = |name: &str, deps: Vec<Declared>, features: &[(&str, &[&str])]| {
            graph.normal.insert(
                name.to_string(),
                deps.iter().map(|d| d.name.clone()).collect(),
            );
            graph.members.insert(
                name.to_string(),
                Member {
                    dependencies: deps,
                    features: features
                        .iter()
                        .map(|(f, e)| (f.to_string(), e.iter().map(|s| s.to_string()).collect()))
                        .collect(),
                },
            );
        };
        member(
            "retour-domain",
            vec![normal("serde"), normal("chrono")],
            &[],
        );
        member(
            "retour-store",
            vec![normal("retour-domain"), normal("rusqlite")],
            &[],
        );
        member(
            "retour-sync",
            vec![normal("retour-store"), normal("tokio")],
            &[],
        );
        member("retour-scan", vec![normal("retour-domain")], &[]);
        member("retour-camera", vec![normal("retour-scan")], &[]);
        member(
            "retour-app",
            vec![
                normal("retour-sync"),
                normal("retour-camera"),
                Declared {
                    optional: true,
                    ..normal("retour-server")
                },
                Declared {
                    kind: DependencyKind::Dev,
                    ..normal("tempfile")
                },
            ],
            &[("demo-backend", &["dep:retour-server"]), ("default", &[])],
        );
        member("retour-cli", vec![normal("retour-app")], &[]);
        member(
            "retour-tauri",
            vec![normal("retour-app")],
            &[
                ("default", &["demo"]),
                ("demo", &["retour-app/demo-backend"]),
            ],
        );
        member(
            "retour-server",
            vec![normal("retour-domain"), normal("axum")],
            &[],
        );
        graph.normal.insert("serde".into(), BTreeSet::new());
        graph
            .normal
            .insert("chrono".into(), ["iana-time-zone".to_string()].into());
        graph.normal.insert(
            "axum".into(),
            ["hyper".to_string(), "tokio".to_string()].into(),
        );
        graph
    }

    #[test]
    fn the_sound_graph_passes() {
        let graph = sound_graph();
        assert!(check_domain_dependencies(&graph).is_empty());
        assert!(check_server_dependencies(&graph).is_empty());
    }

    #[test]
    fn a_domain_dependency_off_the_allow_list_is_reported() {
        let mut graph = sound_graph();
        let domain = graph.members.get_mut("retour-domain").unwrap();
        domain.dependencies.push(normal("regex"));
        domain.dependencies.push(Declared {
            kind: DependencyKind::Dev,
            ..normal("proptest")
        });
        assert_eq!(
            messages(&check_domain_dependencies(&graph)),
            ["crates/retour-domain/Cargo.toml: retour-domain depends on `regex`, not on its allow-list (DOMAIN_ALLOWED in crates/xtask/src/tidy.rs): the domain stays pure"]
        );
    }

    #[test]
    fn an_io_crate_deep_in_the_domain_tree_is_reported_with_its_path() {
        let mut graph = sound_graph();
        graph
            .normal
            .insert("iana-time-zone".into(), ["tokio-util".to_string()].into());
        graph
            .normal
            .insert("tokio-util".into(), ["mio".to_string()].into());
        assert_eq!(
            messages(&check_domain_dependencies(&graph)),
            ["crates/retour-domain/Cargo.toml: retour-domain does IO through `tokio-util` (retour-domain → chrono → iana-time-zone → tokio-util): no IO crate in the domain's normal dependencies"]
        );
    }

    #[test]
    fn a_client_depending_on_the_server_is_reported() {
        let mut graph = sound_graph();
        graph
            .members
            .get_mut("retour-sync")
            .unwrap()
            .dependencies
            .push(normal("retour-server"));
        graph
            .normal
            .get_mut("retour-sync")
            .unwrap()
            .insert("retour-server".into());
        let violations = messages(&check_server_dependencies(&graph));
        assert!(violations.contains(&"crates/retour-sync/Cargo.toml: retour-sync depends on retour-server: only retour-app may, as an optional dependency behind its `demo-backend` feature".to_string()), "{violations:?}");
        // Every client above retour-sync reaches the server through it.
        assert!(violations.contains(&"crates/retour-cli/Cargo.toml: retour-cli reaches retour-server through retour-cli → retour-app → retour-sync → retour-server: only retour-app's `demo-backend` feature may".to_string()), "{violations:?}");
    }

    #[test]
    fn the_app_depending_on_the_server_outside_its_demo_feature_is_reported() {
        let mut graph = sound_graph();
        let app = graph.members.get_mut("retour-app").unwrap();
        app.dependencies.retain(|d| d.name != "retour-server");
        app.dependencies.push(normal("retour-server"));
        app.features
            .insert("default".into(), vec!["demo-backend".into()]);
        app.features
            .insert("serve".into(), vec!["retour-server/openapi".into()]);
        assert_eq!(
            messages(&check_server_dependencies(&graph)),
            [
                "crates/retour-app/Cargo.toml: retour-app depends on retour-server: only retour-app may, as an optional dependency behind its `demo-backend` feature",
                "crates/retour-app/Cargo.toml: retour-app's feature `serve` turns on retour-server: only `demo-backend` may (write `dep:retour-server` there)",
                "crates/retour-app/Cargo.toml: retour-app's default features turn on `demo-backend`: the server would ship in every client",
            ]
        );
    }

    #[test]
    fn a_stale_graph_in_architecture_md_is_reported() {
        let graph = sound_graph();
        let current = format!("# A\n{GRAPH_BEGIN}\n{}{GRAPH_END}\n", mermaid_graph(&graph));
        let tree = Tree::new().with("ARCHITECTURE.md", &current);
        assert!(check_dependency_graph(tree.root(), &graph).is_empty());
        let mut changed = graph.clone();
        changed
            .members
            .get_mut("retour-cli")
            .unwrap()
            .dependencies
            .push(normal("retour-store"));
        assert_eq!(check_dependency_graph(tree.root(), &changed).len(), 1);
        assert!(mermaid_graph(&graph).contains("retour_app -. demo-backend .-> retour_server"));
        let missing = Tree::new().with("ARCHITECTURE.md", "# A\n");
        assert_eq!(check_dependency_graph(missing.root(), &graph).len(), 1);
    }

    // ----- the real tree

    /// The rules read the real `cargo metadata` as the hand-made graphs above say, and a
    /// forbidden crate planted in it is found.
    #[test]
    fn the_real_metadata_is_read_and_a_planted_io_crate_is_found() {
        let mut graph = CrateGraph::load(&crate::root()).unwrap();
        assert!(graph.normal["retour-domain"].contains("serde"));
        assert!(graph.normal["retour-server"].contains("axum"));
        assert!(graph.members["retour-app"]
            .dependencies
            .iter()
            .any(|d| d.name == "retour-server" && d.optional));
        assert!(check_domain_dependencies(&graph).is_empty());
        graph
            .normal
            .get_mut("rust_decimal")
            .unwrap()
            .insert("tokio".into());
        let violations = check_domain_dependencies(&graph);
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert!(violations[0]
            .message
            .contains("retour-domain → rust_decimal → tokio"));
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
