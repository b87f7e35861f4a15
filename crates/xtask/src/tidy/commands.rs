//! The rule that the shell's commands and the UI's calls match: the `#[tauri::command]` functions
//! as `bindings` reads them, calls read as `invoke("name"` / `call("name"` literals.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{relative, source_files, Violation};

/// Commands the UI legitimately never calls, each with why. Empty today.
const UNCALLED_COMMANDS: &[(&str, &str)] = &[];

/// Architecture invariant: the shell's commands and the UI's calls match. Every
/// `invoke("name"` or `call("name"` in `ui/js` names a `#[tauri::command]` of `src-tauri/src`,
/// and every command is called by the UI (or listed in [`UNCALLED_COMMANDS`]).
pub fn commands_match_ui(root: &Path) -> Vec<Violation> {
    let mut violations = Vec::new();
    // The generator's own reading of the commands, so that tidy and the build cannot disagree.
    let commands: BTreeMap<String, PathBuf> = match crate::bindings::commands(root) {
        Ok(commands) => commands
            .into_iter()
            .map(|command| (command.name, PathBuf::from(command.file)))
            .collect(),
        Err(error) => return vec![Violation::from_error("src-tauri/src", error)],
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tidy::test_support::{messages, Tree};

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
    fn ui_calls_read_literals_only() {
        let calls =
            ui_calls("call(command, args); tauri.core.invoke(x); invoke(`cart`); call(\"a b\")");
        assert_eq!(calls, [("cart".to_string(), 1)]);
    }
}
