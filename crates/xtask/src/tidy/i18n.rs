//! The rule that French and English have the same text keys.

use std::collections::BTreeSet;
use std::path::Path;

use super::Violation;

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
            violations.push(Violation::new(
                en_file,
                format!("English lacks key `{key}` ({fr_file}:{line})"),
            ));
        }
    }
    for (key, line) in &en {
        if !fr_keys.contains(key) {
            violations.push(Violation::new(
                fr_file,
                format!("French lacks key `{key}` ({en_file}:{line})"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tidy::test_support::{messages, Tree};

    const FR: &str = "// Français.\nexport default {\n  appName: \"Retour\",\n  pending: (n) =>\n    `${n} en attente`,\n  \"quoted-key\": \"x\",\n  nested: { inner: 1 },\n};\n";

    #[test]
    fn an_english_file_missing_a_key_is_reported() {
        let en = "// English.\nexport default {\n  appName: \"Retour\",\n  // a comment: not a key\n  \"quoted-key\": \"x\",\n  nested: {\n    inner: 1,\n  },\n};\n";
        let tree = Tree::new()
            .with("ui/js/i18n/fr.js", FR)
            .with("ui/js/i18n/en.js", en);
        assert_eq!(
            messages(&i18n_keys_match(tree.root())),
            ["ui/js/i18n/en.js: English lacks key `pending` (ui/js/i18n/fr.js:4)"]
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
                "ui/js/i18n.js: English lacks key `b` (ui/js/i18n.js:4)",
                "ui/js/i18n.js: French lacks key `c` (ui/js/i18n.js:9)",
            ]
        );
        let tree = Tree::new().with("ui/js/i18n.js", spread);
        assert!(i18n_keys_match(tree.root()).is_empty());
    }

    #[test]
    fn no_translations_at_all_is_reported() {
        assert_eq!(i18n_keys_match(Tree::new().root()).len(), 1);
    }
}
