//! Rust code generation.

use crate::compiler::{GeneratedFile, Options};
use crate::sema::Sema;

/// Generates one file per top-level type of the input documents.
pub fn generate(_sema: &Sema<'_>, _options: &Options) -> Vec<GeneratedFile> {
    Vec::new()
}

/// Rust keywords that need `r#` (or, for the few that cannot be raw, a `_` suffix).
pub fn ident(name: &str) -> String {
    const RAW: &[&str] = &[
        "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
        "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
        "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async",
        "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
        "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    match name {
        "self" | "Self" | "super" | "crate" | "_" => format!("{name}_"),
        n if RAW.contains(&n) => format!("r#{n}"),
        n => n.to_string(),
    }
}
