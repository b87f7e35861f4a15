//! Builds the Tauri context (config, capabilities, icons), a permission per command, and the
//! invoke handler, all from the one list of commands: the `#[tauri::command]` functions under
//! `src/`, read by `crates/xtask/src/bindings.rs`. Fails the build when `ui/js/commands.js` or the
//! window's capability disagrees with them (`cargo xtask bindings` rewrites the JS side).

use std::path::Path;

#[allow(dead_code)]
#[path = "../crates/xtask/src/bindings.rs"]
mod bindings;

fn main() {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("src-tauri is in the workspace");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=../ui/js/commands.js");
    println!("cargo:rerun-if-changed=capabilities");
    println!("cargo:rerun-if-changed=../crates/xtask/src/bindings.rs");
    let commands = bindings::commands(root).unwrap_or_else(|e| panic!("{e:#}"));
    if let Err(e) = bindings::check(root) {
        panic!("the window's side of the commands disagrees with src/commands/:\n{e:#}");
    }

    let paths: Vec<String> = commands.iter().map(bindings::Command::path).collect();
    let handler = format!(
        "tauri::generate_handler![\n    {},\n]\n",
        paths.join(",\n    ")
    );
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("invoke_handler.rs"), handler)
        .expect("writing the invoke handler");

    let names: Vec<&'static str> = commands
        .into_iter()
        .map(|c| &*Box::leak(c.name.into_boxed_str()))
        .collect();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(names.leak())),
    )
    .expect("tauri build script");
}
