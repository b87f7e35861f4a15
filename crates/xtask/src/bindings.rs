//! `cargo xtask bindings [--check]`: the window's side of the Tauri commands, generated from their
//! Rust signatures so that a command is declared once.
//!
//! The `#[tauri::command]` functions under `src-tauri/src/` are the one list of commands. This
//! module reads them with `syn` (name, module, doc, parameters the window passes) and writes
//! `ui/js/commands.js`: one exported function per command, named as the command, calling
//! `invoke("<name>", {…})` with the camelCase argument keys Tauri expects. [`check`] fails when
//! that file is stale or when the window's capability does not allow exactly these commands.
//!
//! The same file is compiled into `src-tauri/build.rs` (`#[path]`), which takes its command list
//! (invoke handler, permissions) from [`commands`] and runs [`check`]: a command renamed on one
//! side only fails the build. `cargo xtask tidy` runs [`check`] too.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Where the commands live, relative to the workspace root.
pub const COMMANDS_SRC: &str = "src-tauri/src";
/// The generated JS bindings, relative to the workspace root.
pub const JS_FILE: &str = "ui/js/commands.js";
/// The window's capability, relative to the workspace root.
pub const CAPABILITY: &str = "src-tauri/capabilities/main-window.json";

/// Parameter types Tauri fills in itself: the window never passes them.
const INJECTED: &[&str] = &[
    "State",
    "AppHandle",
    "Window",
    "Webview",
    "WebviewWindow",
    "Request",
    "CommandScope",
    "GlobalScope",
];

/// Words a JS function or parameter may not be named.
const JS_RESERVED: &[&str] = &[
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "invoke",
    "let",
    "new",
    "null",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// One `#[tauri::command]` function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command's name: the Rust function's name, the JS function's name.
    pub name: String,
    /// Its module path from the crate root, e.g. `commands::cart`.
    pub module: String,
    /// The file it is in, relative to the workspace root.
    pub file: String,
    /// Its doc comment, one line per line.
    pub doc: Vec<String>,
    /// What the window passes, in order.
    pub params: Vec<Param>,
    /// What the promise resolves to, as a JSDoc type.
    pub returns: String,
}

/// One argument the window passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The Rust parameter name (snake_case).
    pub rust_name: String,
    /// The key Tauri expects and the JS parameter name (camelCase).
    pub js_name: String,
    /// Its JSDoc type.
    pub ty: String,
}

impl Command {
    /// The path `generate_handler!` takes, e.g. `commands::cart::cart_add` (for `build.rs`).
    #[allow(dead_code)]
    pub fn path(&self) -> String {
        if self.module.is_empty() {
            self.name.clone()
        } else {
            format!("{}::{}", self.module, self.name)
        }
    }

    /// The capability permission that allows it, e.g. `allow-cart-add`.
    pub fn permission(&self) -> String {
        format!("allow-{}", self.name.replace('_', "-"))
    }
}

/// Every `#[tauri::command]` function under `src-tauri/src/`, files in path order and functions
/// in file order.
pub fn commands(root: &Path) -> Result<Vec<Command>> {
    let src = root.join(COMMANDS_SRC);
    let mut files = Vec::new();
    rust_files(&src, &mut files)?;
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let parsed =
            syn::parse_file(&text).with_context(|| format!("parsing {}", file.display()))?;
        let relative = file.strip_prefix(&src).unwrap_or(file);
        let module = module_path(relative);
        let shown = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        for item in &parsed.items {
            if let syn::Item::Fn(function) = item {
                if let Some(command) = command(function, &module, &shown)? {
                    found.push(command);
                }
            }
        }
    }
    let mut names = BTreeSet::new();
    for command in &found {
        if !names.insert(command.name.as_str()) {
            bail!(
                "two commands are named {:?}: the window could not tell them apart",
                command.name
            );
        }
    }
    Ok(found)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `commands/cart.rs` → `commands::cart`; `lib.rs` → ``; `commands/mod.rs` → `commands`.
fn module_path(relative: &Path) -> String {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("lib" | "main" | "mod")
    ) {
        parts.pop();
    }
    parts.join("::")
}

fn is_command_attribute(attr: &syn::Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments == ["tauri", "command"] || segments == ["command"]
}

fn command(function: &syn::ItemFn, module: &str, file: &str) -> Result<Option<Command>> {
    let Some(attribute) = function.attrs.iter().find(|a| is_command_attribute(a)) else {
        return Ok(None);
    };
    let name = function.sig.ident.to_string();
    if let syn::Meta::List(list) = &attribute.meta {
        if list.tokens.to_string().contains("rename_all") {
            bail!("{file}: command {name}: rename_all is not supported (the bindings use Tauri's camelCase keys)");
        }
    }
    if JS_RESERVED.contains(&name.as_str()) {
        bail!("{file}: command {name}: a JS reserved word cannot name a function");
    }
    let doc = function
        .attrs
        .iter()
        .filter_map(doc_line)
        .collect::<Vec<_>>();
    let mut params = Vec::new();
    for input in &function.sig.inputs {
        let syn::FnArg::Typed(typed) = input else {
            bail!("{file}: command {name} takes self");
        };
        if is_injected(&typed.ty) {
            continue;
        }
        let syn::Pat::Ident(ident) = typed.pat.as_ref() else {
            bail!("{file}: command {name}: every parameter must be a plain name");
        };
        let rust_name = ident.ident.to_string();
        let js_name = lower_camel(&rust_name);
        if JS_RESERVED.contains(&js_name.as_str()) {
            bail!("{file}: command {name}: parameter {rust_name} is a JS reserved word");
        }
        params.push(Param {
            rust_name,
            js_name,
            ty: js_type(&typed.ty),
        });
    }
    let returns = match &function.sig.output {
        syn::ReturnType::Default => "void".to_owned(),
        syn::ReturnType::Type(_, ty) => match first_generic(ty, &["Result", "AppResult"]) {
            Some(ok) => js_type(ok),
            None => js_type(ty),
        },
    };
    Ok(Some(Command {
        name,
        module: module.to_owned(),
        file: file.to_owned(),
        doc,
        params,
        returns,
    }))
}

fn doc_line(attr: &syn::Attribute) -> Option<String> {
    let syn::Meta::NameValue(pair) = &attr.meta else {
        return None;
    };
    if !pair.path.is_ident("doc") {
        return None;
    }
    match &pair.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Some(text.value().trim().to_owned()),
        _ => None,
    }
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last(),
        syn::Type::Reference(reference) => last_segment(&reference.elem),
        _ => None,
    }
}

fn is_injected(ty: &syn::Type) -> bool {
    last_segment(ty).is_some_and(|s| INJECTED.contains(&s.ident.to_string().as_str()))
}

/// The first type argument of `Name<T, …>` when the type is one of `names`.
fn first_generic<'a>(ty: &'a syn::Type, names: &[&str]) -> Option<&'a syn::Type> {
    let segment = last_segment(ty)?;
    if !names.contains(&segment.ident.to_string().as_str()) {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// A Rust type as the window receives it, for the JSDoc.
fn js_type(ty: &syn::Type) -> String {
    if let syn::Type::Tuple(tuple) = ty {
        if tuple.elems.is_empty() {
            return "void".to_owned();
        }
    }
    if let Some(inner) = first_generic(ty, &["Option"]) {
        return format!("{} | null", js_type(inner));
    }
    if let Some(inner) = first_generic(ty, &["Vec"]) {
        return format!("{}[]", js_type(inner));
    }
    let Some(segment) = last_segment(ty) else {
        return "unknown".to_owned();
    };
    let name = segment.ident.to_string();
    match name.as_str() {
        "String" | "str" | "PathBuf" | "Path" => "string".to_owned(),
        "bool" => "boolean".to_owned(),
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" | "f32"
        | "f64" => "number".to_owned(),
        _ => name,
    }
}

/// `first_key_ms` → `firstKeyMs`: the key Tauri expects for a parameter.
fn lower_camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.trim_start_matches('_').chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The text of `ui/js/commands.js` for these commands.
pub fn render_js(commands: &[Command]) -> String {
    let mut js = String::from(
        "// The Tauri commands, one async function each, named as the command and as the façade\n\
         // operation it calls. Generated by `cargo xtask bindings` from the #[tauri::command]\n\
         // functions under src-tauri/src/: do not edit (the build fails when this file is stale).\n\
         // Every function rejects with `{code, message}`, the message in French, ready to show.\n\
         \n\
         import { invoke } from \"./api.js\";\n",
    );
    let mut file = "";
    for command in commands {
        if command.file != file {
            file = &command.file;
            let _ = write!(js, "\n// {file}\n");
        }
        js.push_str("\n/**\n");
        for line in &command.doc {
            if line.is_empty() {
                js.push_str(" *\n");
            } else {
                let _ = writeln!(js, " * {line}");
            }
        }
        for param in &command.params {
            let _ = writeln!(js, " * @param {{{}}} {}", param.ty, param.js_name);
        }
        let _ = writeln!(js, " * @returns {{Promise<{}>}}\n */", command.returns);
        let names: Vec<&str> = command.params.iter().map(|p| p.js_name.as_str()).collect();
        let _ = writeln!(
            js,
            "export function {}({}) {{\n  return invoke(\"{}\", {{{}}});\n}}",
            command.name,
            names.join(", "),
            command.name,
            if names.is_empty() {
                String::new()
            } else {
                format!(" {} ", names.join(", "))
            },
        );
    }
    js
}

/// The `allow-…` permissions of our commands that the window's capability names.
pub fn capability_permissions(root: &Path) -> Result<BTreeSet<String>> {
    let path = root.join(CAPABILITY);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let permissions = json["permissions"]
        .as_array()
        .with_context(|| format!("{CAPABILITY} has no permissions list"))?;
    Ok(permissions
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.starts_with("allow-"))
        .map(str::to_owned)
        .collect())
}

/// Fails when `ui/js/commands.js` is not what [`render_js`] makes of the commands, or when the
/// window's capability does not allow exactly our commands.
pub fn check(root: &Path) -> Result<()> {
    let commands = commands(root)?;
    let mut problems = Vec::new();
    let expected = render_js(&commands);
    match std::fs::read_to_string(root.join(JS_FILE)) {
        Ok(actual) if actual == expected => {}
        Ok(_) => problems.push(format!(
            "{JS_FILE} is stale: run `cargo xtask bindings` and commit it"
        )),
        Err(e) => problems.push(format!(
            "{JS_FILE} cannot be read ({e}): run `cargo xtask bindings`"
        )),
    }
    let wanted: BTreeSet<String> = commands.iter().map(Command::permission).collect();
    let allowed = capability_permissions(root)?;
    for missing in wanted.difference(&allowed) {
        problems.push(format!(
            "{CAPABILITY} lacks {missing:?}: the window could not call that command"
        ));
    }
    for extra in allowed.difference(&wanted) {
        problems.push(format!(
            "{CAPABILITY} allows {extra:?}, which is no command"
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{}", problems.join("\n"))
    }
}

/// `cargo xtask bindings`: writes `ui/js/commands.js`; with `--check`, only checks it.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    match args {
        [] => {
            let commands = commands(root)?;
            std::fs::write(root.join(JS_FILE), render_js(&commands))
                .with_context(|| format!("writing {JS_FILE}"))?;
            eprintln!("wrote {JS_FILE}: {} commands", commands.len());
            check(root)
        }
        [flag] if flag == "--check" => check(root),
        _ => bail!("usage: cargo xtask bindings [--check]"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Vec<Command> {
        let file = syn::parse_file(source).unwrap();
        file.items
            .iter()
            .filter_map(|item| match item {
                syn::Item::Fn(f) => command(f, "commands::cart", "cart.rs").unwrap(),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_command_becomes_a_function_with_camel_case_keys() {
        let commands = parse(
            "/// Sets a new password.\n\
             #[tauri::command]\n\
             pub async fn reset_password(app: State<'_, App>, token: String, new_password: String) -> AppResult<()> { todo!() }\n\
             fn helper() {}\n\
             #[tauri::command(async)]\n\
             pub fn scan_bytes(handle: tauri::AppHandle, bytes: Vec<u8>) -> AppResult<Vec<ScanRead>> { todo!() }",
        );
        assert_eq!(commands.len(), 2, "only the commands");
        assert_eq!(commands[0].path(), "commands::cart::reset_password");
        assert_eq!(commands[0].permission(), "allow-reset-password");
        let js = render_js(&commands);
        assert!(
            js.contains("export function reset_password(token, newPassword) {\n  return invoke(\"reset_password\", { token, newPassword });\n}"),
            "{js}"
        );
        assert!(js.contains(" * Sets a new password.\n"), "{js}");
        assert!(js.contains(" * @returns {Promise<void>}"), "{js}");
        assert!(
            js.contains("export function scan_bytes(bytes) {\n  return invoke(\"scan_bytes\", { bytes });\n}"),
            "{js}"
        );
        assert!(js.contains(" * @param {number[]} bytes"), "{js}");
        assert!(js.contains(" * @returns {Promise<ScanRead[]>}"), "{js}");
    }

    #[test]
    fn names_the_window_cannot_use_are_refused() {
        let file = syn::parse_file("#[tauri::command] fn delete(class: String) {}").unwrap();
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!()
        };
        assert!(command(f, "", "x.rs").is_err());
        let file =
            syn::parse_file("#[tauri::command(rename_all = \"snake_case\")] fn a(b_c: u8) {}")
                .unwrap();
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!()
        };
        assert!(command(f, "", "x.rs").is_err());
    }

    #[test]
    fn module_paths_follow_files() {
        assert_eq!(module_path(Path::new("commands/cart.rs")), "commands::cart");
        assert_eq!(module_path(Path::new("commands/mod.rs")), "commands");
        assert_eq!(module_path(Path::new("lib.rs")), "");
        assert_eq!(lower_camel("first_key_ms"), "firstKeyMs");
    }

    /// A command renamed on the Rust side only, or left out of the capability, fails the check.
    #[test]
    fn a_renamed_or_unallowed_command_fails_the_check() {
        let root = std::env::temp_dir().join(format!("retour-bindings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src-tauri/src/commands")).unwrap();
        std::fs::create_dir_all(root.join("src-tauri/capabilities")).unwrap();
        std::fs::create_dir_all(root.join("ui/js")).unwrap();
        let command = |name: &str| {
            std::fs::write(
                root.join("src-tauri/src/commands/cart.rs"),
                format!("#[tauri::command]\npub fn {name}(app: State<'_, App>) -> AppResult<CartView> {{ app.{name}() }}\n"),
            )
            .unwrap()
        };
        let capability = |allowed: &str| {
            std::fs::write(
                root.join(CAPABILITY),
                format!("{{\"permissions\": [\"core:event:allow-listen\", \"{allowed}\"]}}"),
            )
            .unwrap()
        };
        command("cart");
        capability("allow-cart");
        run(&root, &[]).unwrap();
        check(&root).unwrap();

        command("cart_view");
        let stale = check(&root).unwrap_err().to_string();
        assert!(stale.contains("ui/js/commands.js is stale"), "{stale}");
        assert!(stale.contains("lacks \"allow-cart-view\""), "{stale}");
        assert!(stale.contains("allows \"allow-cart\""), "{stale}");

        run(&root, &[]).unwrap_err();
        capability("allow-cart-view");
        check(&root).unwrap();
        let js = std::fs::read_to_string(root.join(JS_FILE)).unwrap();
        assert!(js.contains("invoke(\"cart_view\", {})"), "{js}");
        let _ = std::fs::remove_dir_all(&root);
    }

    /// The committed bindings and capability agree with the commands of the real shell.
    #[test]
    fn the_committed_bindings_are_fresh() {
        check(&crate::root()).unwrap();
    }
}
