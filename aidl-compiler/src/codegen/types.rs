//! The Rust spelling of AIDL types, values and defaults, relative to the module
//! being generated.

use super::ident;
use crate::ast::*;
use crate::consteval::Value;
use crate::cycles::Components;
use crate::sema::Sema;
use crate::types::{Scope, Ty};
use std::cell::RefCell;
use std::collections::HashSet;

/// What a declared type is, for code generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Interface,
    Parcelable,
    Union,
    Enum,
    /// Unstructured parcelable, with its `rust_type`.
    Foreign(String),
}

/// Generation context: where we are (module path, scope) and the program.
#[derive(Debug)]
pub(crate) struct Ctx<'s, 'p> {
    pub(crate) sema: &'s Sema<'p>,
    /// Which types contain each other (through any field): decides boxing.
    pub(crate) cycles: &'s Components,
    /// Module path of the code being written, e.g. `["com", "example", "IFoo"]`.
    pub(crate) module: Vec<String>,
    /// Scope for resolving the declaration's type names.
    pub(crate) scope: Scope,
    /// Generic parameters visible here (their Rust names are the AIDL names).
    visiting: RefCell<HashSet<String>>,
}

impl<'s, 'p> Ctx<'s, 'p> {
    pub(crate) fn new(
        sema: &'s Sema<'p>,
        cycles: &'s Components,
        module: Vec<String>,
        scope: Scope,
    ) -> Self {
        Ctx {
            sema,
            cycles,
            module,
            scope,
            visiting: RefCell::default(),
        }
    }

    /// Module path of declaration `fqn`: package segments then enclosing type names.
    pub(crate) fn module_of(sema: &Sema<'_>, fqn: &str) -> Vec<String> {
        let Some(at) = sema.program.types.get(fqn) else {
            return Vec::new();
        };
        let package = sema
            .program
            .docs
            .get(at.doc)
            .map(|d| d.package.clone())
            .unwrap_or_default();
        let mut out: Vec<String> = package
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        out.extend(sema.program.decl_chain(at).iter().map(|d| d.name.clone()));
        out
    }

    pub(crate) fn kind(&self, fqn: &str) -> Kind {
        match self.sema.program.lookup(fqn).map(|d| &d.kind) {
            Some(DeclKind::Interface(_)) => Kind::Interface,
            Some(DeclKind::Union(_)) => Kind::Union,
            Some(DeclKind::Enum(_)) => Kind::Enum,
            Some(DeclKind::Unstructured(u)) => {
                Kind::Foreign(u.rust_type.clone().unwrap_or_else(|| "()".into()))
            }
            _ => Kind::Parcelable,
        }
    }

    /// Relative Rust path to the item declared as `fqn` (its struct/trait/enum).
    pub(crate) fn path(&self, fqn: &str) -> String {
        if let Kind::Foreign(rust) = self.kind(fqn) {
            return rust;
        }
        let target = Self::module_of(self.sema, fqn);
        let common = self
            .module
            .iter()
            .zip(&target)
            .take_while(|(a, b)| a == b)
            .count();
        let mut parts: Vec<String> =
            std::iter::repeat_n("super".to_string(), self.module.len() - common).collect();
        parts.extend(target[common..].iter().map(|s| ident(s)));
        if let Some(last) = target.last() {
            parts.push(ident(last));
        }
        parts.join("::")
    }

    pub(crate) fn resolve(&self, t: &TypeRef) -> Ty {
        self.sema.resolve_type(t, &self.scope).unwrap_or(Ty::Void)
    }

    /// Can a value of this type be null (so that `@nullable` wraps it in `Option`)?
    pub(crate) fn nullable_capable(&self, ty: &Ty) -> bool {
        match ty {
            Ty::String
            | Ty::IBinder
            | Ty::Pfd
            | Ty::List(_)
            | Ty::Array(_)
            | Ty::Fixed(..)
            | Ty::Param(_) => true,
            Ty::Defined(fqn, _) => self.kind(fqn) != Kind::Enum,
            _ => false,
        }
    }

    /// Types that have no `Default`, so a field of them is always an `Option`.
    pub(crate) fn needs_option_field(&self, ty: &Ty) -> bool {
        match ty {
            Ty::IBinder | Ty::Pfd => true,
            Ty::Defined(fqn, _) => self.kind(fqn) == Kind::Interface,
            _ => false,
        }
    }

    /// The owned, non-null Rust type.
    pub(crate) fn base(&self, ty: &Ty) -> String {
        match ty {
            Ty::Void => "()".into(),
            Ty::Boolean => "bool".into(),
            Ty::Byte => "i8".into(),
            Ty::Char => "u16".into(),
            Ty::Int => "i32".into(),
            Ty::Long => "i64".into(),
            Ty::Float => "f32".into(),
            Ty::Double => "f64".into(),
            Ty::String => "String".into(),
            Ty::IBinder => "::ipc_core::SpIBinder".into(),
            Ty::Pfd => "::ipc_core::ParcelFileDescriptor".into(),
            Ty::ParcelableHolder => "::ipc_core::ParcelableHolder".into(),
            Ty::List(t) | Ty::Array(t) => format!("Vec<{}>", self.elem(t, false)),
            Ty::Fixed(t, n) => format!("[{}; {n}]", self.elem(t, false)),
            Ty::Param(p) => p.clone(),
            Ty::Defined(fqn, args) => {
                let path = self.path(fqn);
                match self.kind(fqn) {
                    Kind::Interface => format!("::ipc_core::Strong<dyn {path}>"),
                    _ if args.is_empty() => path,
                    _ => format!(
                        "{path}<{}>",
                        args.iter()
                            .map(|a| self.base(a))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
        }
    }

    /// An array/list element: `byte` is `u8` there, and elements of a nullable
    /// array of nullable-capable types are themselves `Option`s (as in AOSP).
    pub(crate) fn elem(&self, ty: &Ty, outer_nullable: bool) -> String {
        if *ty == Ty::Byte {
            return "u8".into();
        }
        if outer_nullable && self.nullable_capable(ty) {
            format!("Option<{}>", self.base(ty))
        } else {
            self.base(ty)
        }
    }

    /// The owned Rust type of a value (return value, out argument, field).
    pub(crate) fn owned(&self, ty: &Ty, nullable: bool) -> String {
        if !nullable || !self.nullable_capable(ty) {
            return self.base(ty);
        }
        let inner = match ty {
            Ty::List(t) | Ty::Array(t) => format!("Vec<{}>", self.elem(t, true)),
            Ty::Fixed(t, n) => format!("[{}; {n}]", self.elem(t, true)),
            other => self.base(other),
        };
        format!("Option<{inner}>")
    }

    /// The Rust type of an `in` argument.
    pub(crate) fn in_arg(&self, ty: &Ty, nullable: bool) -> String {
        let nullable = nullable && self.nullable_capable(ty);
        let borrowed = match ty {
            t if t.is_primitive() => return self.base(t),
            Ty::Defined(fqn, _) if self.kind(fqn) == Kind::Enum => return self.base(ty),
            Ty::String => "&str".to_string(),
            Ty::List(t) | Ty::Array(t) => format!("&[{}]", self.elem(t, nullable)),
            Ty::Fixed(t, n) => format!("&[{}; {n}]", self.elem(t, nullable)),
            other => format!("&{}", self.base(other)),
        };
        if nullable {
            format!("Option<{borrowed}>")
        } else {
            borrowed
        }
    }

    /// Is an `in` argument of this type passed by value?
    pub(crate) fn by_value(&self, ty: &Ty) -> bool {
        ty.is_primitive() || matches!(ty, Ty::Defined(fqn, _) if self.kind(fqn) == Kind::Enum)
    }

    /// An expression for the default value of a type (fixed arrays have no
    /// `Default` beyond 32 elements).
    pub(crate) fn default_expr(&self, ty: &Ty, nullable: bool) -> String {
        match ty {
            Ty::Fixed(inner, _) if !nullable => {
                format!(
                    "::std::array::from_fn(|_| {})",
                    self.default_expr(inner, false)
                )
            }
            _ => "Default::default()".into(),
        }
    }

    /// A Rust expression for a constant value of type `ty`.
    pub(crate) fn literal(&self, v: &Value, ty: &Ty, nullable: bool) -> String {
        let wrap = |s: String| {
            if nullable && self.nullable_capable(ty) {
                format!("Some({s})")
            } else {
                s
            }
        };
        let elem_ty = |t: &Ty| match t {
            Ty::List(e) | Ty::Array(e) | Ty::Fixed(e, _) => (**e).clone(),
            other => other.clone(),
        };
        match v {
            Value::Bool(b) => b.to_string(),
            Value::Byte(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Long(l) => l.to_string(),
            Value::Float(f) => float_literal(f64::from(*f), "f32"),
            Value::Double(d) => float_literal(*d, "f64"),
            Value::Char(c) => match char::from_u32(u32::from(*c)) {
                Some(ch) if ch.is_ascii_graphic() || ch == ' ' => format!("{ch:?} as u16"),
                _ => format!("{c:#06x}"),
            },
            Value::Str(s) => wrap(format!("{s:?}.into()")),
            Value::Enum(fqn, name, _) => format!("{}::{}", self.path(fqn), ident(name)),
            Value::Array(items) => {
                let el = elem_ty(ty);
                let nullable_elems = nullable && self.nullable_capable(&el);
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| match (i, &el) {
                        (Value::Byte(b), Ty::Byte) => (*b as u8).to_string(),
                        _ => self.literal(i, &el, nullable_elems),
                    })
                    .collect();
                let body = parts.join(", ");
                match ty {
                    Ty::Fixed(..) => wrap(format!("[{body}]")),
                    _ => wrap(format!("vec![{body}]")),
                }
            }
        }
    }

    /// Can `#[derive(Clone)]` / `#[derive(PartialEq)]` be used with this type?
    pub(crate) fn derivable(&self, ty: &Ty) -> bool {
        match ty {
            Ty::Pfd | Ty::ParcelableHolder => false,
            Ty::List(t) | Ty::Array(t) | Ty::Fixed(t, _) => self.derivable(t),
            Ty::Defined(fqn, args) => {
                if !args.iter().all(|a| self.derivable(a)) {
                    return false;
                }
                match self.kind(fqn) {
                    Kind::Interface | Kind::Enum => true,
                    Kind::Foreign(_) => false,
                    Kind::Parcelable | Kind::Union => {
                        if !self.visiting.borrow_mut().insert(fqn.clone()) {
                            return true;
                        }
                        // Bounds the recursion; very deep chains just lose the derives.
                        if self.visiting.borrow().len() > 64 {
                            self.visiting.borrow_mut().remove(fqn);
                            return false;
                        }
                        let ok = self.decl_derivable(fqn);
                        self.visiting.borrow_mut().remove(fqn);
                        ok
                    }
                }
            }
            _ => true,
        }
    }

    fn decl_derivable(&self, fqn: &str) -> bool {
        let Some(decl) = self.sema.program.lookup(fqn) else {
            return false;
        };
        let Some(scope) = self.sema.scope_of(fqn) else {
            return false;
        };
        let (DeclKind::Parcelable(p) | DeclKind::Union(p)) = &decl.kind else {
            return true;
        };
        p.fields.iter().all(|f| {
            self.sema
                .resolve_type(&f.ty, &scope)
                .is_ok_and(|t| self.derivable(&t))
        })
    }
}

fn float_literal(f: f64, suffix: &str) -> String {
    if f.is_nan() {
        format!("{suffix}::NAN")
    } else if f.is_infinite() {
        format!("{}{suffix}::INFINITY", if f < 0.0 { "-" } else { "" })
    } else if suffix == "f32" {
        format!("{:?}", f as f32)
    } else {
        format!("{f:?}")
    }
}
