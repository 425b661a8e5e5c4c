//! Golden tests: every `.aidl` under `tests/golden/valid` compiles to exactly the
//! files under `tests/golden/expected` (plus `api.txt` for `--dump-api`), and every
//! `tests/golden/invalid/*.aidl` produces exactly the diagnostics in its `.txt`.
//!
//! `UPDATE_GOLDEN=1 cargo test -p aidl-compiler --test golden` rewrites the
//! expectations; review the change with `git diff`.

use aidl_compiler::{Options, compile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn update() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v != "0")
}

fn aidl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            aidl_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "aidl") {
            out.push(p);
        }
    }
}

/// A readable line diff: the first differing region with a little context.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let (mut ee, mut ae) = (e.len(), a.len());
    while ee > first && ae > first && e[ee - 1] == a[ae - 1] {
        ee -= 1;
        ae -= 1;
    }
    let mut out = format!("first difference at line {}\n", first + 1);
    for l in &e[first.saturating_sub(3)..first] {
        out.push_str(&format!("  {l}\n"));
    }
    for l in &e[first..ee] {
        out.push_str(&format!("- {l}\n"));
    }
    for l in &a[first..ae] {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

/// Compares (or, with UPDATE_GOLDEN, writes) one expectation; returns a failure message.
fn check(path: &Path, actual: &str) -> Option<String> {
    if update() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if std::fs::read_to_string(path).ok().as_deref() != Some(actual) {
            std::fs::write(path, actual).unwrap();
        }
        return None;
    }
    match std::fs::read_to_string(path) {
        Ok(expected) if expected == actual => None,
        Ok(expected) => Some(format!(
            "{} differs:\n{}",
            path.display(),
            diff(&expected, actual)
        )),
        Err(_) => Some(format!(
            "{} is missing (run with UPDATE_GOLDEN=1)",
            path.display()
        )),
    }
}

#[test]
fn valid_corpus_generates_expected_rust() {
    let root = Path::new("tests/golden/valid");
    let expected_dir = Path::new("tests/golden/expected");
    let mut inputs = Vec::new();
    aidl_files(root, &mut inputs);
    assert!(inputs.len() >= 30, "corpus shrank: {}", inputs.len());
    let options = Options {
        include_dirs: vec![root.to_path_buf()],
        ..Options::default()
    };
    let outcome = compile(&options, &inputs);
    assert!(
        !outcome.failed,
        "valid corpus failed:\n{}",
        outcome.rendered
    );
    assert_eq!(
        outcome.rendered, "",
        "the valid corpus must compile without warnings"
    );

    let mut actual: BTreeMap<PathBuf, String> = outcome
        .files
        .iter()
        .map(|f| (expected_dir.join(f.relative_path()), f.content.clone()))
        .collect();
    actual.insert(
        expected_dir.join("mod.rs"),
        aidl_compiler::compiler::mod_rs(&outcome.files),
    );
    actual.insert(expected_dir.join("api.txt"), outcome.api.clone());

    let mut failures: Vec<String> = actual
        .iter()
        .filter_map(|(p, text)| check(p, text))
        .collect();
    // Files that are expected but no longer generated.
    let mut existing = Vec::new();
    if expected_dir.exists() {
        collect_all(expected_dir, &mut existing);
    }
    for stale in existing.iter().filter(|p| !actual.contains_key(*p)) {
        if update() {
            std::fs::remove_file(stale).unwrap();
        } else {
            failures.push(format!("{} is no longer generated", stale.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn collect_all(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect_all(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn invalid_corpus_reports_expected_diagnostics() {
    let dir = Path::new("tests/golden/invalid");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "aidl"))
        .collect();
    inputs.sort();
    assert!(
        inputs.len() >= 20,
        "invalid corpus shrank: {}",
        inputs.len()
    );
    let options = Options {
        include_dirs: vec![PathBuf::from("tests/golden/valid"), dir.join("include")],
        ..Options::default()
    };
    let mut failures = Vec::new();
    for input in &inputs {
        let outcome = compile(&options, std::slice::from_ref(input));
        if !outcome.failed {
            failures.push(format!("{} compiled without errors", input.display()));
            continue;
        }
        failures.extend(check(&input.with_extension("txt"), &outcome.rendered));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
