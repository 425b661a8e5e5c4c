//! Every AOSP annotation: where it may appear and which parameters it takes.

use crate::ast::{Annotation, ExprKind};
use crate::consteval::Value;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::sema::Sema;
use crate::types::Scope;

/// What an annotation is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Interface,
    Parcelable,
    Unstructured,
    Enum,
    Union,
    Method,
    Field,
    Const,
    Enumerator,
    Arg,
    /// A type (field type, argument type, return type, generic argument).
    Type,
}

impl Target {
    fn describe(self) -> &'static str {
        match self {
            Target::Interface => "an interface",
            Target::Parcelable => "a parcelable",
            Target::Unstructured => "an unstructured parcelable",
            Target::Enum => "an enum",
            Target::Union => "a union",
            Target::Method => "a method",
            Target::Field => "a field",
            Target::Const => "a constant",
            Target::Enumerator => "an enumerator",
            Target::Arg => "an argument",
            Target::Type => "a type",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Bool,
    Str,
    StrArray,
    Int,
}

#[derive(Debug)]
struct Spec {
    name: &'static str,
    targets: &'static [Target],
    params: &'static [(&'static str, Param)],
    required: &'static [&'static str],
    repeatable: bool,
}

use Target as T;
const MEMBERS: &[Target] = &[
    T::Interface,
    T::Parcelable,
    T::Unstructured,
    T::Enum,
    T::Union,
    T::Method,
    T::Field,
    T::Const,
    T::Enumerator,
];
const ALL: &[Target] = &[
    T::Interface,
    T::Parcelable,
    T::Unstructured,
    T::Enum,
    T::Union,
    T::Method,
    T::Field,
    T::Const,
    T::Enumerator,
    T::Arg,
    T::Type,
];
const PERMISSION: &[Target] = &[T::Interface, T::Method];

const fn spec(
    name: &'static str,
    targets: &'static [Target],
    params: &'static [(&'static str, Param)],
    required: &'static [&'static str],
) -> Spec {
    Spec {
        name,
        targets,
        params,
        required,
        repeatable: false,
    }
}

const SPECS: &[Spec] = &[
    spec("nullable", &[T::Type], &[("heap", Param::Bool)], &[]),
    spec("utf8InCpp", &[T::Type], &[], &[]),
    spec("Backing", &[T::Enum], &[("type", Param::Str)], &["type"]),
    spec(
        "Descriptor",
        &[T::Interface],
        &[("value", Param::Str)],
        &["value"],
    ),
    spec(
        "RustDerive",
        &[T::Parcelable, T::Union],
        &[
            ("Copy", Param::Bool),
            ("Clone", Param::Bool),
            ("PartialOrd", Param::Bool),
            ("Ord", Param::Bool),
            ("PartialEq", Param::Bool),
            ("Eq", Param::Bool),
            ("Hash", Param::Bool),
        ],
        &[],
    ),
    spec("FixedSize", &[T::Parcelable, T::Union], &[], &[]),
    spec(
        "VintfStability",
        &[T::Interface, T::Parcelable, T::Enum, T::Union],
        &[],
        &[],
    ),
    spec("SensitiveData", &[T::Interface], &[], &[]),
    spec(
        "EnforcePermission",
        PERMISSION,
        &[
            ("value", Param::Str),
            ("anyOf", Param::StrArray),
            ("allOf", Param::StrArray),
        ],
        &[],
    ),
    spec("RequiresNoPermission", PERMISSION, &[], &[]),
    spec("PermissionManuallyEnforced", PERMISSION, &[], &[]),
    spec(
        "Enforce",
        &[T::Method],
        &[("condition", Param::Str)],
        &["condition"],
    ),
    spec("JavaOnlyStableParcelable", &[T::Unstructured], &[], &[]),
    spec("NdkOnlyStableParcelable", &[T::Unstructured], &[], &[]),
    spec("RustOnlyStableParcelable", &[T::Unstructured], &[], &[]),
    spec(
        "JavaOnlyImmutable",
        &[T::Parcelable, T::Union, T::Unstructured],
        &[],
        &[],
    ),
    spec("Hide", MEMBERS, &[], &[]),
    spec(
        "UnsupportedAppUsage",
        MEMBERS,
        &[
            ("expectedSignature", Param::Str),
            ("implicitMember", Param::Str),
            ("maxTargetSdk", Param::Int),
            ("publicAlternatives", Param::Str),
            ("trackingBug", Param::Int),
            ("overrideSourcePosition", Param::Str),
        ],
        &[],
    ),
    spec(
        "SuppressWarnings",
        MEMBERS,
        &[("value", Param::StrArray)],
        &["value"],
    ),
    spec(
        "JavaSuppressLint",
        MEMBERS,
        &[("value", Param::StrArray)],
        &["value"],
    ),
    spec(
        "JavaDerive",
        &[T::Parcelable, T::Union],
        &[("toString", Param::Bool), ("equals", Param::Bool)],
        &[],
    ),
    spec("JavaDefault", &[T::Interface], &[], &[]),
    spec("JavaDelegator", &[T::Interface], &[], &[]),
    Spec {
        name: "JavaPassthrough",
        targets: ALL,
        params: &[("annotation", Param::Str)],
        required: &["annotation"],
        repeatable: true,
    },
    spec("PropagateAllowBlocking", &[T::Method], &[], &[]),
];

/// Checks the annotations attached to one thing.
pub(crate) fn check(
    sema: &Sema<'_>,
    scope: &Scope,
    anns: &[Annotation],
    target: Target,
    diags: &mut Diagnostics,
) {
    for (i, a) in anns.iter().enumerate() {
        let Some(spec) = SPECS.iter().find(|s| s.name == a.name) else {
            diags.push(
                Diagnostic::warning(
                    a.span,
                    format!("unknown annotation `@{}` is ignored", a.name),
                )
                .with_hint("check the spelling; annotation names are case-sensitive"),
            );
            continue;
        };
        if !spec.targets.contains(&target) {
            let allowed: Vec<&str> = spec.targets.iter().map(|t| t.describe()).collect();
            diags.push(
                Diagnostic::error(
                    a.span,
                    format!("`@{}` cannot be applied to {}", a.name, target.describe()),
                )
                .with_hint(format!(
                    "`@{}` applies to {}",
                    a.name,
                    allowed.join(", ")
                )),
            );
            continue;
        }
        if !spec.repeatable && anns[..i].iter().any(|b| b.name == a.name) {
            diags.error(a.span, format!("duplicate annotation `@{}`", a.name));
        }
        for p in &a.params {
            let Some((_, kind)) = spec.params.iter().find(|(n, _)| *n == p.name) else {
                let names: Vec<&str> = spec.params.iter().map(|(n, _)| *n).collect();
                let hint = if names.is_empty() {
                    format!("`@{}` takes no parameters", a.name)
                } else {
                    format!("`@{}` takes: {}", a.name, names.join(", "))
                };
                diags.push(
                    Diagnostic::error(
                        p.span,
                        format!("unknown parameter `{}` for `@{}`", p.name, a.name),
                    )
                    .with_hint(hint),
                );
                continue;
            };
            let ok = match sema.eval(&p.value, scope) {
                Ok(v) => matches_kind(&v, *kind),
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            if !ok {
                let want = match kind {
                    Param::Bool => "a boolean",
                    Param::Str => "a string literal",
                    Param::StrArray => "a string or an array of strings",
                    Param::Int => "an integer",
                };
                diags.error(
                    p.value.span,
                    format!("parameter `{}` of `@{}` must be {want}", p.name, a.name),
                );
            }
        }
        for r in spec.required {
            if a.param(r).is_none() {
                diags.error(
                    a.span,
                    format!("`@{}` requires the parameter `{r}`", a.name),
                );
            }
        }
        if a.name == "Backing"
            && let Some(ExprKind::Str(s)) = a.param("type").map(|e| &e.kind)
            && !matches!(s.as_str(), "byte" | "int" | "long")
        {
            diags.push(
                Diagnostic::error(a.span, format!("invalid backing type `{s}`"))
                    .with_hint("@Backing(type=...) takes \"byte\", \"int\" or \"long\""),
            );
        }
    }
}

fn matches_kind(v: &Value, kind: Param) -> bool {
    match kind {
        Param::Bool => matches!(v, Value::Bool(_)),
        Param::Str => matches!(v, Value::Str(_)),
        Param::StrArray => match v {
            Value::Str(_) => true,
            Value::Array(items) => items.iter().all(|i| matches!(i, Value::Str(_))),
            _ => false,
        },
        Param::Int => v.as_i64().is_some(),
    }
}

/// Is `@name` a boolean flag set to true (e.g. `@RustDerive(Clone=true)`)?
pub(crate) fn flag(a: &Annotation, name: &str) -> bool {
    matches!(a.param(name).map(|e| &e.kind), Some(ExprKind::Bool(true)))
}
