//! The dependency rules: what `retour-domain` may depend on, and that no client crate depends on
//! the server but `retour-app` through its `demo-backend` feature. They read `cargo metadata`
//! through [`CrateGraph`], which a test can also build by hand.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use anyhow::{Context, Result};

use super::Violation;

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
    /// Runs `cargo metadata` in `root`, once per process (three rules read it).
    pub fn load(root: &Path) -> Result<CrateGraph> {
        static LOADED: Mutex<BTreeMap<PathBuf, CrateGraph>> = Mutex::new(BTreeMap::new());
        let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(graph) = loaded.get(root) {
            return Ok(graph.clone());
        }
        let metadata = cargo_metadata::MetadataCommand::new()
            .current_dir(root)
            .exec()
            .context("cargo metadata failed")?;
        let graph = CrateGraph::from_metadata(&metadata);
        loaded.insert(root.to_path_buf(), graph.clone());
        Ok(graph)
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

pub(super) fn domain_dependencies(root: &Path) -> Vec<Violation> {
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

pub(super) fn server_dependencies(root: &Path) -> Vec<Violation> {
    match CrateGraph::load(root) {
        Ok(graph) => check_server_dependencies(&graph),
        Err(error) => vec![Violation::from_error("Cargo.toml", error)],
    }
}

/// Whether a feature's entry turns on the dependency `name` (`dep:x`, `x`, `x/f`, `x?/f`).
pub(super) fn enables_dependency(entry: &str, name: &str) -> bool {
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

#[cfg(test)]
pub(super) mod fixtures {
    //! A small graph shaped like the workspace's, for the rules' tests.

    use super::*;

    pub(in crate::tidy) fn normal(name: &str) -> Declared {
        Declared {
            name: name.to_string(),
            kind: DependencyKind::Normal,
            optional: false,
        }
    }

    /// A graph shaped like the real one: the domain, a client stack, the server behind the app's
    /// demo feature.
    pub(in crate::tidy) fn sound_graph() -> CrateGraph {
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
}

#[cfg(test)]
mod tests {
    use super::fixtures::{normal, sound_graph};
    use super::*;
    use crate::tidy::test_support::messages;

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
}
