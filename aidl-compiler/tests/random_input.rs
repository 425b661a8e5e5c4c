//! The front end and code generation never panic: random bytes, and valid corpus
//! files mutated at random (token insertions, deletions, duplications), go
//! through parsing, import loading, checking and (when they still compile)
//! code generation.

use aidl_compiler::{Options, compile_sources};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

const VALID: &str = "tests/golden/valid";

fn corpus() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "aidl") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new(VALID), &mut out);
    out
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ";",
    ",",
    ".",
    "=",
    "?",
    ":",
    "@",
    "-",
    "~",
    "!",
    "<<",
    ">>",
    "/",
    "%",
    "&&",
    "||",
    "@nullable",
    "@nullable(heap=true)",
    "@utf8InCpp",
    "@Backing(type=\"long\")",
    "@FixedSize",
    "@RustDerive(Clone=true)",
    "@Descriptor(value=1)",
    "oneway",
    "in",
    "out",
    "inout",
    "const",
    "int",
    "long",
    "byte",
    "String",
    "IBinder",
    "List<",
    "List<int>",
    "void",
    "parcelable",
    "interface",
    "enum",
    "union",
    "package",
    "import",
    "0x",
    "0xFFFFFFFFFFFFFFFFF",
    "1L",
    "255u8",
    "99999999999999999999999",
    "1.5f",
    "1e999",
    "'",
    "'a'",
    "\"",
    "\"s\"",
    "/**",
    "*/",
    "//",
    "/*",
    "\\",
    "\u{0}",
    "é",
    "世界",
    "\n",
    " ",
    "T",
    "Point",
    "golden.types.Point",
    "self",
    "type",
    "=0",
    "= 16777115",
    "[3]",
    "[0]",
    "[-1]",
    "[]",
];

#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = 0usize..4096;
    let len = 0usize..64;
    prop_oneof![
        (pos.clone(), 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Insert(p, t)),
        (pos.clone(), len.clone()).prop_map(|(p, l)| Mutation::Delete(p, l)),
        (pos.clone(), len).prop_map(|(p, l)| Mutation::Duplicate(p, l)),
        (pos, 0..TOKENS.len()).prop_map(|(p, t)| Mutation::Replace(p, t)),
    ]
}

fn floor_char(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut s = text.to_string();
    match *m {
        Mutation::Insert(p, t) => {
            let p = floor_char(&s, p % (s.len() + 1));
            s.insert_str(p, TOKENS[t]);
        }
        Mutation::Delete(p, l) | Mutation::Duplicate(p, l) | Mutation::Replace(p, l) => {
            let start = floor_char(&s, p % (s.len() + 1));
            let end = floor_char(&s, start + l);
            let piece = s[start..end].to_string();
            match m {
                Mutation::Delete(..) => s.replace_range(start..end, ""),
                Mutation::Duplicate(..) => s.insert_str(end, &piece),
                _ => s.replace_range(start..end, TOKENS[l % TOKENS.len()]),
            }
        }
    }
    s
}

fn options() -> Options {
    Options {
        include_dirs: vec![PathBuf::from(VALID)],
        skip_rustfmt: true,
        ..Options::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let out = compile_sources(&options(), vec![(PathBuf::from("random/Fuzz.aidl"), text)]);
        // Something was either generated or reported.
        prop_assert!(out.failed || out.rendered.is_empty() || !out.diagnostics.is_empty());
    }

    #[test]
    fn mutated_corpus_files_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let files = corpus();
        let (path, text) = which.get(&files).clone();
        let mutated = mutations.iter().fold(text, |t, m| apply(&t, m));
        let out = compile_sources(&options(), vec![(path, mutated)]);
        for d in &out.diagnostics {
            prop_assert!(!d.message.is_empty());
        }
    }
}

#[test]
fn pathological_inputs_are_errors_not_crashes() {
    let cases = [
        "(".repeat(100_000),
        format!("interface I {{ const int X = {}1; }}", "-".repeat(100_000)),
        format!(
            "interface I {{ const int X = 1{}; }}",
            " + 1".repeat(10_000)
        ),
        format!(
            "interface I {{ const int X = {}1{}; }}",
            "true ? ".repeat(1_000),
            " : 2".repeat(1_000)
        ),
        format!("parcelable P {{ {} x; }}", "List<".repeat(1_000)),
        "interface I { void m(in int[99999999999999999999] a); }".to_string(),
        // Regression: a type with 200k dimensions overflowed the stack.
        format!("parcelable P {{ int{} f; }}", "[1]".repeat(20_000)),
        // Long chains of references, declared backwards (evaluation recurses).
        format!(
            "interface I {{ {} const int A0 = 0; const int X = 1 / 0; }}",
            (1..5_000)
                .rev()
                .map(|i| format!("const int A{i} = A{} + 1;", i - 1))
                .collect::<String>()
        ),
        format!(
            "parcelable P {{ {} enum E2000 {{ A }} const int X = 1 / 0; }}",
            (0..2_000)
                .map(|i| format!("enum E{i} {{ A = E{}.A }}", i + 1))
                .collect::<String>()
        ),
        String::new(),
    ];
    for text in cases {
        let out = compile_sources(&options(), vec![(PathBuf::from("I.aidl"), text)]);
        assert!(out.failed);
    }
    // A byte-order mark is whitespace.
    let out = compile_sources(
        &options(),
        vec![(PathBuf::from("I.aidl"), "\u{feff}interface I {}".into())],
    );
    assert!(!out.failed, "{}", out.rendered);
}
