//! `aidlc --dump-api`: the normalized API of the input types, for compatibility
//! checks. Types are listed by qualified name; type names are fully qualified,
//! constants evaluated, comments dropped, and member order kept (it is part of
//! the wire contract).

use crate::ast::*;
use crate::consteval::Value;
use crate::program::DeclPath;
use crate::sema::{Sema, ty_name};
use crate::types::Scope;
use std::fmt::Write as _;

/// Renders the API of every input type.
pub fn dump(sema: &Sema<'_>) -> String {
    let mut roots: Vec<(&Decl, DeclPath, &str)> = Vec::new();
    for &doc in &sema.program.inputs {
        let Some(d) = sema.program.docs.get(doc) else {
            continue;
        };
        for (i, decl) in d.decls.iter().enumerate() {
            roots.push((decl, DeclPath { doc, path: vec![i] }, d.package.as_str()));
        }
    }
    roots.sort_by(|a, b| a.0.qualified_name.cmp(&b.0.qualified_name));
    let mut out = String::new();
    for (decl, at, package) in roots {
        if !package.is_empty() {
            let _ = writeln!(out, "package {package};");
        }
        dump_decl(sema, decl, &at, 0, &mut out);
    }
    out
}

fn annotations(anns: &[Annotation]) -> String {
    let mut parts: Vec<String> = anns
        .iter()
        .map(|a| {
            if a.params.is_empty() {
                format!("@{}", a.name)
            } else {
                let ps: Vec<String> = a
                    .params
                    .iter()
                    .map(|p| format!("{}={}", p.name, expr_text(&p.value)))
                    .collect();
                format!("@{}({})", a.name, ps.join(", "))
            }
        })
        .collect();
    parts.sort();
    parts.into_iter().map(|p| p + " ").collect()
}

/// An annotation parameter as written (they are literals in practice).
fn expr_text(e: &ConstExpr) -> String {
    match &e.kind {
        ExprKind::Int(t) | ExprKind::Float(t) | ExprKind::Ref(t) => t.clone(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Char(c) => format!("'{}'", char::from_u32(u32::from(*c)).unwrap_or('?')),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Array(items) => format!(
            "{{{}}}",
            items.iter().map(expr_text).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Unary(op, a) => format!("{}{}", op.symbol(), expr_text(a)),
        ExprKind::Binary(op, a, b) => {
            format!("({} {} {})", expr_text(a), op.symbol(), expr_text(b))
        }
        ExprKind::Ternary(c, a, b) => {
            format!("({} ? {} : {})", expr_text(c), expr_text(a), expr_text(b))
        }
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Byte(x) => x.to_string(),
        Value::Int(x) => x.to_string(),
        Value::Long(x) => format!("{x}L"),
        Value::Float(x) => format!("{x:?}f"),
        Value::Double(x) => format!("{x:?}"),
        Value::Char(c) => format!("'\\u{c:04x}'"),
        Value::Str(s) => format!("{s:?}"),
        Value::Array(items) => format!(
            "{{{}}}",
            items.iter().map(value_text).collect::<Vec<_>>().join(", ")
        ),
        Value::Enum(e, n, _) => format!("{e}.{n}"),
    }
}

fn type_text(sema: &Sema<'_>, scope: &Scope, t: &TypeRef) -> String {
    let anns = annotations(&t.annotations);
    match sema.resolve_type(t, scope) {
        Ok(ty) => format!("{anns}{}", ty_name(&ty)),
        Err(_) => format!("{anns}{}", t.name),
    }
}

fn dump_decl(sema: &Sema<'_>, decl: &Decl, at: &DeclPath, depth: usize, out: &mut String) {
    let scope = Scope::of(sema.program, at);
    let ind = "  ".repeat(depth);
    let anns = annotations(&decl.annotations);
    let tparams = if decl.type_params().is_empty() {
        String::new()
    } else {
        format!("<{}>", decl.type_params().join(", "))
    };
    match &decl.kind {
        DeclKind::Unstructured(u) => {
            let _ = write!(
                out,
                "{ind}{anns}parcelable {}{tparams}",
                decl.qualified_name
            );
            if let Some(r) = &u.rust_type {
                let _ = write!(out, " rust_type {r:?}");
            }
            let _ = writeln!(out, ";");
            return;
        }
        DeclKind::Interface(i) => {
            let oneway = if i.oneway { "oneway " } else { "" };
            let _ = writeln!(
                out,
                "{ind}{anns}{oneway}interface {} {{",
                decl.qualified_name
            );
            for (n, m) in i.methods.iter().enumerate() {
                let ow = if m.oneway { "oneway " } else { "" };
                let args: Vec<String> = m
                    .args
                    .iter()
                    .map(|a| {
                        let dir = a
                            .direction
                            .map(|d| format!("{} ", d.0.keyword()))
                            .unwrap_or_default();
                        format!(
                            "{}{dir}{} {}",
                            annotations(&a.annotations),
                            type_text(sema, &scope, &a.ty),
                            a.name
                        )
                    })
                    .collect();
                let id = m.id.as_ref().map_or(n.to_string(), |(t, _)| t.clone());
                let _ = writeln!(
                    out,
                    "{ind}  {}{ow}{} {}({}) = {id};",
                    annotations(&m.annotations),
                    type_text(sema, &scope, &m.ret),
                    m.name,
                    args.join(", ")
                );
            }
        }
        DeclKind::Parcelable(p) | DeclKind::Union(p) => {
            let kw = if matches!(decl.kind, DeclKind::Union(_)) {
                "union"
            } else {
                "parcelable"
            };
            let _ = writeln!(out, "{ind}{anns}{kw} {}{tparams} {{", decl.qualified_name);
            for f in &p.fields {
                let def = f.default.as_ref().and_then(|e| {
                    let ty = sema.resolve_type(&f.ty, &scope).ok()?;
                    sema.eval_as(e, &scope, &ty).ok()
                });
                let def = def
                    .map(|v| format!(" = {}", value_text(&v)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{ind}  {}{} {}{def};",
                    annotations(&f.annotations),
                    type_text(sema, &scope, &f.ty),
                    f.name
                );
            }
        }
        DeclKind::Enum(_) => {
            let _ = writeln!(out, "{ind}{anns}enum {} {{", decl.qualified_name);
            for (name, v) in sema.enum_values(&decl.qualified_name).unwrap_or_default() {
                let raw = match v {
                    Value::Enum(_, _, inner) => value_text(&inner),
                    other => value_text(&other),
                };
                let _ = writeln!(out, "{ind}  {name} = {raw},");
            }
        }
    }
    for c in decl.consts() {
        let v = sema
            .const_value(&decl.qualified_name, &c.name, c.name_span)
            .map(|v| value_text(&v))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{ind}  {}const {} {} = {v};",
            annotations(&c.annotations),
            type_text(sema, &scope, &c.ty),
            c.name
        );
    }
    let mut nested: Vec<(usize, &Decl)> = decl.nested().iter().enumerate().collect();
    nested.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    for (i, n) in nested {
        let mut path = at.path.clone();
        path.push(i);
        dump_decl(sema, n, &DeclPath { doc: at.doc, path }, depth + 1, out);
    }
    let _ = writeln!(out, "{ind}}}");
}
