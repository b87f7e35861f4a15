//! Prints per-family counts over the fixture corpus (development aid).
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/barcodes"
    );
    let only: Option<String> = std::env::args().nth(1);
    let verbose = std::env::args().nth(2).is_some();
    if let Some(f) = only.as_deref().filter(|f| f.contains('.')) {
        let reads = retour_scan::decode_image_file(format!("{root}/{f}")).unwrap();
        println!(
            "{:?}",
            reads
                .iter()
                .map(|r| (r.format, &r.text))
                .collect::<Vec<_>>()
        );
        return;
    }
    let mut totals: BTreeMap<String, (u32, u32, u32, u32)> = BTreeMap::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    dirs.sort_by_key(|e| e.path());
    for dir in dirs {
        let name = dir.file_name().to_string_lossy().to_string();
        if let Some(only) = &only {
            if !name.starts_with(only.as_str()) {
                continue;
            }
        }
        let mut files: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("png" | "jpg" | "gif")
                )
            })
            .collect();
        files.sort();
        for file in files {
            let expected = std::fs::read_to_string(file.with_extension("txt")).ok();
            let t = Instant::now();
            let reads = retour_scan::decode_image_file(&file).unwrap_or_default();
            let ms = t.elapsed().as_millis();
            let e = totals.entry(name.clone()).or_default();
            e.3 += 1;
            let ok = |t: &str| {
                expected
                    .as_deref()
                    .is_some_and(|x| x == t || format!("0{t}") == x || format!("0{x}") == t)
            };
            if reads.iter().any(|r| ok(&r.text)) {
                e.0 += 1
            } else if reads.is_empty() {
                e.2 += 1
            }
            let wrong: Vec<_> = reads.iter().filter(|r| !ok(&r.text)).collect();
            if !wrong.is_empty() {
                e.1 += 1;
                println!(
                    "WRONG {} {:?} expected {:?}",
                    file.display(),
                    wrong
                        .iter()
                        .map(|r| (r.format, &r.text))
                        .collect::<Vec<_>>(),
                    expected
                );
            }
            if verbose {
                println!(
                    "{} {}ms {:?}",
                    file.display(),
                    ms,
                    reads.iter().map(|r| &r.text).collect::<Vec<_>>()
                );
            }
        }
    }
    let mut sum = (0, 0, 0, 0);
    for (k, (c, w, m, n)) in &totals {
        println!("{k:20} correct {c:3} wrong {w:3} missed {m:3} of {n:3}");
        sum.0 += c;
        sum.1 += w;
        sum.2 += m;
        sum.3 += n;
    }
    println!(
        "TOTAL correct {} wrong {} missed {} of {}",
        sum.0, sum.1, sum.2, sum.3
    );
}
