//! Whole-type checks: parcelables that contain themselves by value, and
//! `@FixedSize` types whose fields are not fixed-size.

use crate::ast::*;
use crate::cycles;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::program::DeclPath;
use crate::sema::{Sema, ty_name};
use crate::types::{Scope, Ty};

/// Visits every declaration of the input documents, nested ones included.
pub(crate) fn input_decls<'p>(sema: &Sema<'p>) -> Vec<(&'p Decl, DeclPath)> {
    fn walk<'p>(d: &'p Decl, at: DeclPath, out: &mut Vec<(&'p Decl, DeclPath)>) {
        out.push((d, at.clone()));
        for (i, n) in d.nested().iter().enumerate() {
            let mut path = at.path.clone();
            path.push(i);
            walk(n, DeclPath { doc: at.doc, path }, out);
        }
    }
    let mut out = Vec::new();
    for &doc in &sema.program.inputs {
        let Some(document) = sema.program.docs.get(doc) else {
            continue;
        };
        for (i, d) in document.decls.iter().enumerate() {
            walk(d, DeclPath { doc, path: vec![i] }, &mut out);
        }
    }
    out
}

fn fields(d: &Decl) -> &[Field] {
    match &d.kind {
        DeclKind::Parcelable(p) | DeclKind::Union(p) => &p.fields,
        _ => &[],
    }
}

pub(super) fn check_recursion(sema: &Sema<'_>, diags: &mut Diagnostics) {
    // `@nullable` fields are not stored inline when they close a cycle: code
    // generation boxes them, so only the other fields count here.
    let inline = cycles::components(sema, false);
    for (decl, at) in input_decls(sema) {
        let scope = Scope::of(sema.program, &at);
        if decl.annotation("FixedSize").is_some() {
            check_fixed_size(sema, &scope, decl, diags);
        }
        for f in fields(decl) {
            if f.ty.is_nullable() {
                continue;
            }
            let Some(target) = sema
                .resolve_type(&f.ty, &scope)
                .ok()
                .and_then(|t| cycles::field_target(sema, &t))
            else {
                continue;
            };
            if inline.same(&target, &decl.qualified_name) {
                diags.push(
                    Diagnostic::error(
                        f.ty.span,
                        format!(
                            "field `{}` makes `{}` contain itself (infinite size)",
                            f.name, decl.name
                        ),
                    )
                    .with_hint("make the field `@nullable` (it becomes `Option<Box<T>>`) or use a List or array"),
                );
            }
        }
    }
}

fn check_fixed_size(sema: &Sema<'_>, scope: &Scope, decl: &Decl, diags: &mut Diagnostics) {
    for f in fields(decl) {
        let Ok(ty) = sema.resolve_type(&f.ty, scope) else {
            continue;
        };
        if f.ty.is_nullable() || !is_fixed(sema, &ty) {
            diags.push(
                Diagnostic::error(
                    f.ty.span,
                    format!("field `{}` of @FixedSize `{}` has a variable-size type {}", f.name, decl.name, ty_name(&ty)),
                )
                .with_hint("@FixedSize allows primitives, enums, fixed-size arrays and other @FixedSize types"),
            );
        }
    }
}

fn is_fixed(sema: &Sema<'_>, ty: &Ty) -> bool {
    match ty {
        t if t.is_primitive() => true,
        Ty::Fixed(inner, _) => is_fixed(sema, inner),
        Ty::Defined(fqn, _) => sema.program.lookup(fqn).is_some_and(|d| match d.kind {
            DeclKind::Enum(_) => true,
            DeclKind::Parcelable(_) | DeclKind::Union(_) => d.annotation("FixedSize").is_some(),
            _ => false,
        }),
        _ => false,
    }
}
