//! Semantic checks. Every problem found is reported (not just the first), each
//! with a precise position and, where it helps, a hint.

mod annotations;
mod graph;
mod members;

use annotations::Target;
pub(crate) use annotations::flag;

use crate::ast::*;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::program::{DeclPath, Program};
use crate::sema::Sema;
use crate::types::{self, Scope};
use std::collections::HashMap;
use std::path::Path;

/// Checks every input document of `program`.
pub fn check(program: &Program, diags: &mut Diagnostics) {
    let sema = Sema::new(program);
    for &doc_idx in &program.inputs {
        let Some(doc) = program.docs.get(doc_idx) else {
            continue;
        };
        check_document(&sema, doc_idx, doc, diags);
    }
    graph::check_recursion(&sema, diags);
}

fn check_document(sema: &Sema<'_>, doc_idx: usize, doc: &Document, diags: &mut Diagnostics) {
    let program = sema.program;
    for imp in &doc.imports {
        if !program.types.contains_key(&imp.name) {
            diags.push(
                Diagnostic::error(imp.span, format!("cannot find import `{}`", imp.name))
                    .with_hint(
                        "imports are found under the -I include directories by package path",
                    ),
            );
        }
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for imp in &doc.imports {
        if let Some(simple) = imp.name.rsplit('.').next()
            && seen.insert(simple, imp.span).is_some()
        {
            diags.warning(imp.span, format!("`{simple}` is imported more than once"));
        }
    }
    match doc.decls.as_slice() {
        [] => diags.push(
            Diagnostic::error(doc.package_span, "file declares no type")
                .with_hint("declare one interface, parcelable, enum or union"),
        ),
        [only] => check_path(program, doc, only, diags),
        [_, extra, ..] => diags.push(
            Diagnostic::error(extra.name_span, "only one type may be declared per file")
                .with_hint("move it to its own file, or nest it inside the first type"),
        ),
    }
    for (i, d) in doc.decls.iter().enumerate() {
        check_decl(
            sema,
            d,
            DeclPath {
                doc: doc_idx,
                path: vec![i],
            },
            diags,
        );
    }
}

/// `package a.b; interface IFoo` must live in `.../a/b/IFoo.aidl`.
fn check_path(program: &Program, doc: &Document, decl: &Decl, diags: &mut Diagnostics) {
    let Some(file) = program.sources.get(doc.file) else {
        return;
    };
    let mut expected: Vec<&str> = doc.package.split('.').filter(|s| !s.is_empty()).collect();
    let simple = decl.name.rsplit('.').next().unwrap_or(&decl.name);
    let file_name = format!("{simple}.aidl");
    expected.push(&file_name);
    let actual: Vec<String> = file
        .path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let matches = actual.len() >= expected.len()
        && actual[actual.len() - expected.len()..]
            .iter()
            .zip(&expected)
            .all(|(a, e)| a == e);
    if !matches {
        let want = expected.iter().collect::<std::path::PathBuf>();
        let span = if doc.package.is_empty()
            || Path::new(&file_name) != Path::new(actual.last().map_or("", |s| s))
        {
            decl.name_span
        } else {
            doc.package_span
        };
        diags.push(
            Diagnostic::error(
                span,
                format!(
                    "`{}` must be declared in a file whose path ends with {}",
                    decl.qualified_name,
                    want.display()
                ),
            )
            .with_hint(
                "the package path and type name decide where aidlc and importers look for a file",
            ),
        );
    }
}

/// Members (fields, methods, constants, enumerators, nested types) share one
/// namespace; every later occurrence of a name is an error.
fn check_duplicates(sema: &Sema<'_>, decl: &Decl, diags: &mut Diagnostics) {
    let mut all: Vec<(&str, Span)> = decl
        .consts()
        .iter()
        .map(|c| (c.name.as_str(), c.name_span))
        .collect();
    all.extend(decl.nested().iter().map(|n| (n.name.as_str(), n.name_span)));
    match &decl.kind {
        DeclKind::Interface(i) => {
            all.extend(i.methods.iter().map(|m| (m.name.as_str(), m.name_span)))
        }
        DeclKind::Parcelable(p) | DeclKind::Union(p) => {
            all.extend(p.fields.iter().map(|f| (f.name.as_str(), f.name_span)));
        }
        DeclKind::Enum(e) => all.extend(e.enumerators.iter().map(|en| (en.name.as_str(), en.span))),
        DeclKind::Unstructured(_) => {}
    }
    all.sort_by_key(|(_, span)| span.start);
    let mut first: HashMap<&str, Span> = HashMap::new();
    for (name, span) in all {
        match first.get(name) {
            Some(prev) => {
                let line = sema
                    .program
                    .sources
                    .get(prev.file)
                    .map_or(0, |f| f.line_col(prev.start).0);
                diags.push(
                    Diagnostic::error(
                        span,
                        format!("duplicate member `{name}` in `{}`", decl.name),
                    )
                    .with_hint(format!("`{name}` is first declared on line {line}")),
                );
            }
            None => {
                first.insert(name, span);
            }
        }
    }
}

fn decl_target(d: &Decl) -> Target {
    match d.kind {
        DeclKind::Interface(_) => Target::Interface,
        DeclKind::Parcelable(_) => Target::Parcelable,
        DeclKind::Unstructured(_) => Target::Unstructured,
        DeclKind::Enum(_) => Target::Enum,
        DeclKind::Union(_) => Target::Union,
    }
}

fn check_decl(sema: &Sema<'_>, decl: &Decl, at: DeclPath, diags: &mut Diagnostics) {
    let scope = Scope::of(sema.program, &at);
    annotations::check(sema, &scope, &decl.annotations, decl_target(decl), diags);
    if decl.name.contains('.') && !matches!(decl.kind, DeclKind::Unstructured(_)) {
        diags.error(
            decl.name_span,
            format!(
                "`{}`: a declared type's name cannot be qualified",
                decl.name
            ),
        );
    }
    if types::builtin(&decl.name).is_some() || decl.name == "List" {
        diags.error(
            decl.name_span,
            format!("`{}` is a builtin type name", decl.name),
        );
    }
    check_duplicates(sema, decl, diags);
    for c in decl.consts() {
        members::check_const(sema, &scope, c, diags);
    }
    match &decl.kind {
        DeclKind::Interface(i) => {
            // Methods share the member namespace with constants and types.
            members::check_interface(sema, &scope, decl, i, diags);
        }
        DeclKind::Parcelable(p) | DeclKind::Union(p) => {
            let mut params: HashMap<&str, ()> = HashMap::new();
            for t in &p.type_params {
                if params.insert(t, ()).is_some() {
                    diags.error(decl.name_span, format!("duplicate type parameter `{t}`"));
                }
            }
            members::check_fields(sema, &scope, decl, p, diags);
        }
        DeclKind::Enum(e) => {
            for en in &e.enumerators {
                annotations::check(sema, &scope, &en.annotations, Target::Enumerator, diags);
            }
            if e.enumerators.is_empty() {
                diags.error(
                    decl.name_span,
                    format!("enum `{}` has no enumerators", decl.name),
                );
            }
            if let Err(d) = sema.enum_values(&decl.qualified_name) {
                diags.push(d);
            }
        }
        DeclKind::Unstructured(u) => {
            if u.rust_type.is_none() {
                diags.push(
                    Diagnostic::warning(
                        decl.name_span,
                        format!("unstructured parcelable `{}` has no rust_type", decl.name),
                    )
                    .with_hint("add `rust_type \"crate::path::Type\"` to use it from Rust"),
                );
            }
        }
    }
    for (i, n) in decl.nested().iter().enumerate() {
        let mut path = at.path.clone();
        path.push(i);
        check_decl(sema, n, DeclPath { doc: at.doc, path }, diags);
    }
}
