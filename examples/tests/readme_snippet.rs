//! The README's 20-line example is the `hello` example's code: every line of its
//! Rust block is in `src/bin/hello.rs` (which compiles and runs in
//! `examples_hello.rs`), and every line of its AIDL block is in `IHello.aidl`.

use std::collections::HashSet;

/// The lines of the first fenced block of `lang` after `heading`.
fn block(readme: &str, heading: &str, lang: &str) -> Vec<String> {
    let after = &readme[readme.find(heading).expect("heading")..];
    let fence = format!("```{lang}\n");
    let start = after.find(&fence).expect("block") + fence.len();
    let end = start + after[start..].find("```").expect("end of block");
    after[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn lines_of(text: &str) -> HashSet<&str> {
    text.lines().map(str::trim).collect()
}

#[test]
fn the_readme_example_is_the_hello_example() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/../README.md")).expect("README.md");
    let hello = std::fs::read_to_string(format!("{root}/src/bin/hello.rs")).expect("hello.rs");
    let aidl = std::fs::read_to_string(format!("{root}/aidl/example/hello/IHello.aidl"))
        .expect("IHello.aidl");

    let rust = block(&readme, "## A 20-line example", "rust");
    assert!(rust.len() >= 15, "{rust:#?}");
    let in_hello = lines_of(&hello);
    for line in &rust {
        assert!(
            in_hello.contains(line.as_str()),
            "README line not in hello.rs: {line}"
        );
    }
    let in_aidl = lines_of(&aidl);
    for line in block(&readme, "## A 20-line example", "aidl") {
        assert!(
            in_aidl.contains(line.as_str()),
            "README line not in IHello.aidl: {line}"
        );
    }
}
