//! Checks of methods, arguments, fields, constants and every use of a type.

use super::annotations::{self, Target};
use crate::ast::*;
use crate::consteval;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::sema::{Sema, ty_name};
use crate::types::{Scope, Ty};
use std::collections::HashMap;

/// The last transaction id a user method may take (AOSP reserves the ones above
/// for meta-transactions such as getInterfaceVersion).
pub(crate) const MAX_METHOD_ID: i64 = 16_777_114;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Return,
    Arg,
    Field,
    Const,
    Element,
}

pub(super) fn check_const(sema: &Sema<'_>, scope: &Scope, c: &Const, diags: &mut Diagnostics) {
    annotations::check(sema, scope, &c.annotations, Target::Const, diags);
    let Some(ty) = check_type(sema, scope, &c.ty, Use::Const, diags) else {
        return;
    };
    if !(ty.is_primitive() || ty == Ty::String) {
        diags.push(
            Diagnostic::error(
                c.ty.span,
                format!("constant `{}` has type {}", c.name, ty_name(&ty)),
            )
            .with_hint("constants must be of a primitive type or String"),
        );
        return;
    }
    if let Some(d) = scope
        .current()
        .and_then(|fqn| sema.const_value(fqn, &c.name, c.name_span).err())
    {
        diags.push(d);
    }
}

pub(super) fn check_interface(
    sema: &Sema<'_>,
    scope: &Scope,
    decl: &Decl,
    iface: &Interface,
    diags: &mut Diagnostics,
) {
    let explicit = iface.methods.iter().filter(|m| m.id.is_some()).count();
    let mut ids: HashMap<i64, &str> = HashMap::new();
    let mut reported_mixed = false;
    for m in &iface.methods {
        annotations::check(sema, scope, &m.annotations, Target::Method, diags);
        match &m.id {
            None if explicit > 0 && !std::mem::replace(&mut reported_mixed, true) => diags.push(
                Diagnostic::error(
                    m.name_span,
                    format!(
                        "method `{}` has no transaction id, but others in `{}` do",
                        m.name, decl.name
                    ),
                )
                .with_hint("give every method an explicit id (`= N`) or none"),
            ),
            None => {}
            Some((text, span)) => match consteval::int_literal(text, *span)
                .ok()
                .and_then(|v| v.as_i64())
            {
                Some(id) if (0..=MAX_METHOD_ID).contains(&id) => {
                    if let Some(prev) = ids.insert(id, &m.name) {
                        diags.error(
                            *span,
                            format!("transaction id {id} is already used by method `{prev}`"),
                        );
                    }
                }
                _ => diags.push(
                    Diagnostic::error(*span, format!("transaction id `{text}` is out of range"))
                        .with_hint(format!("ids go from 0 to {MAX_METHOD_ID}")),
                ),
            },
        }
        let oneway = iface.oneway || m.oneway;
        let ret = check_type(sema, scope, &m.ret, Use::Return, diags);
        if oneway && !m.ret.is_void() {
            diags.push(
                Diagnostic::error(
                    m.ret.span,
                    format!("oneway method `{}` cannot return a value", m.name),
                )
                .with_hint("oneway calls do not wait for a reply; return void"),
            );
        }
        let _ = ret;
        let mut arg_names: HashMap<&str, ()> = HashMap::new();
        for a in &m.args {
            annotations::check(sema, scope, &a.annotations, Target::Arg, diags);
            if arg_names.insert(&a.name, ()).is_some() {
                diags.error(
                    a.span,
                    format!("duplicate argument `{}` in method `{}`", a.name, m.name),
                );
            }
            let Some(ty) = check_type(sema, scope, &a.ty, Use::Arg, diags) else {
                continue;
            };
            check_direction(sema, m, a, &ty, oneway, diags);
        }
    }
}

fn check_direction(
    sema: &Sema<'_>,
    m: &Method,
    a: &Arg,
    ty: &Ty,
    oneway: bool,
    diags: &mut Diagnostics,
) {
    let can_be_out = match ty {
        Ty::Array(_) | Ty::Fixed(..) | Ty::List(_) => true,
        Ty::Defined(fqn, _) => sema.program.lookup(fqn).is_some_and(|d| {
            matches!(
                d.kind,
                DeclKind::Parcelable(_) | DeclKind::Union(_) | DeclKind::Unstructured(_)
            )
        }),
        _ => false,
    };
    match a.direction {
        Some((Direction::Out | Direction::InOut, span)) if !can_be_out => diags.push(
            Diagnostic::error(
                span,
                format!(
                    "argument `{}` of type {} can only be an `in` argument",
                    a.name,
                    ty_name(ty)
                ),
            )
            .with_hint("only arrays, lists and parcelables can be `out` or `inout`"),
        ),
        Some((Direction::Out | Direction::InOut, span)) if oneway => diags.push(
            Diagnostic::error(
                span,
                format!(
                    "oneway method `{}` cannot have `out` or `inout` arguments",
                    m.name
                ),
            )
            .with_hint("oneway calls have no reply to carry values back"),
        ),
        None if can_be_out => diags.push(
            Diagnostic::error(
                a.ty.span,
                format!(
                    "argument `{}` of type {} needs a direction",
                    a.name,
                    ty_name(ty)
                ),
            )
            .with_hint("write `in`, `out` or `inout` before the type"),
        ),
        _ => {}
    }
}

pub(super) fn check_fields(
    sema: &Sema<'_>,
    scope: &Scope,
    decl: &Decl,
    p: &Parcelable,
    diags: &mut Diagnostics,
) {
    let is_union = matches!(decl.kind, DeclKind::Union(_));
    if is_union && p.fields.is_empty() {
        diags.error(
            decl.name_span,
            format!("union `{}` has no members", decl.name),
        );
    }
    for (i, f) in p.fields.iter().enumerate() {
        annotations::check(sema, scope, &f.annotations, Target::Field, diags);
        let Some(ty) = check_type(sema, scope, &f.ty, Use::Field, diags) else {
            continue;
        };
        if is_union && ty == Ty::ParcelableHolder {
            diags.error(f.ty.span, "a union cannot hold a ParcelableHolder");
        }
        if let Some(def) = &f.default {
            if is_union && i > 0 {
                diags.push(
                    Diagnostic::error(
                        def.span,
                        format!("union member `{}` cannot have a default value", f.name),
                    )
                    .with_hint("only the first member of a union (its default) may have one"),
                );
                continue;
            }
            if let Err(d) = sema.eval_as(def, scope, &ty) {
                diags.push(d);
            }
        }
    }
}

fn check_type(
    sema: &Sema<'_>,
    scope: &Scope,
    t: &TypeRef,
    usage: Use,
    diags: &mut Diagnostics,
) -> Option<Ty> {
    let ty = match sema.resolve_type(t, scope) {
        Ok(ty) => ty,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    validate(sema, scope, t, &ty, usage, diags);
    Some(ty)
}

fn validate(
    sema: &Sema<'_>,
    scope: &Scope,
    t: &TypeRef,
    ty: &Ty,
    usage: Use,
    diags: &mut Diagnostics,
) {
    annotations::check(sema, scope, &t.annotations, Target::Type, diags);
    let name = ty_name(ty);
    if *ty == Ty::Void && usage != Use::Return {
        diags.error(t.span, "`void` is only allowed as a return type");
    }
    let decl_kind = |fqn: &str| sema.program.lookup(fqn).map(|d| &d.kind);
    if let Some(n) = t.annotation("nullable") {
        let is_enum =
            matches!(ty, Ty::Defined(f, _) if matches!(decl_kind(f), Some(DeclKind::Enum(_))));
        if ty.is_primitive() || is_enum {
            diags.push(
                Diagnostic::error(n.span, format!("{name} cannot be @nullable"))
                    .with_hint("primitives and enums always have a value; drop @nullable"),
            );
        }
        if annotations::flag(n, "heap") {
            let is_parcel = matches!(ty, Ty::Defined(f, _)
                if matches!(decl_kind(f), Some(DeclKind::Parcelable(_) | DeclKind::Union(_))));
            if !is_parcel || usage != Use::Field {
                diags.error(
                    n.span,
                    "@nullable(heap=true) is only allowed on parcelable-typed fields",
                );
            }
        }
        if *ty == Ty::ParcelableHolder {
            diags.error(n.span, "a ParcelableHolder cannot be @nullable");
        }
    }
    if let Some(u) = t.annotation("utf8InCpp") {
        let stringy = |t: &Ty| *t == Ty::String;
        if !(stringy(ty) || ty.element().is_some_and(stringy)) {
            diags.error(
                u.span,
                format!("@utf8InCpp applies to String, String[] and List<String>, not {name}"),
            );
        }
    }
    if *ty == Ty::ParcelableHolder && usage != Use::Field {
        diags.error(
            t.span,
            "ParcelableHolder can only be the type of a parcelable field",
        );
    }
    match ty {
        Ty::List(el) => {
            if el.is_primitive() {
                diags.push(
                    Diagnostic::error(t.span, format!("{name} is not supported"))
                        .with_hint(format!("use an array, `{}[]`", ty_name(el))),
                );
            }
            if let Some(a) = t.args.first() {
                validate(sema, scope, a, el, Use::Element, diags);
            }
        }
        Ty::Array(el) | Ty::Fixed(el, _) => {
            if matches!(**el, Ty::List(_) | Ty::ParcelableHolder) {
                diags.error(
                    t.span,
                    format!("arrays of {} are not supported", ty_name(el)),
                );
            }
        }
        _ => {}
    }
    let base = innermost(ty);
    if let Ty::Defined(fqn, args) = base {
        if let Some(DeclKind::Unstructured(u)) = decl_kind(fqn)
            && u.rust_type.is_none()
        {
            diags.push(
                Diagnostic::error(
                    t.span,
                    format!("unstructured parcelable `{fqn}` has no rust_type"),
                )
                .with_hint("declare it with `rust_type \"crate::path::Type\"` to use it from Rust"),
            );
        }
        for (a, aty) in t.args.iter().zip(args) {
            validate(sema, scope, a, aty, Use::Element, diags);
        }
    }
}

fn innermost(ty: &Ty) -> &Ty {
    match ty {
        Ty::Array(t) | Ty::Fixed(t, _) => innermost(t),
        other => other,
    }
}
