//! Semantic queries over a [`Program`]: type resolution, constant values,
//! enumerator values. Results are cached; every query is total (errors are
//! returned as diagnostics, never panics).

use crate::ast::*;
use crate::consteval::{self, Env, Value};
use crate::diagnostics::Diagnostic;
use crate::program::Program;
use crate::types::{self, Scope, Ty};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

type EnumValues = Vec<(String, Value)>;

/// Constants referring to constants referring to ... deeper than this are refused.
const MAX_REFERENCE_DEPTH: usize = 128;

fn too_deep(at: Span) -> Diagnostic {
    Diagnostic::error(at, "constant references nest too deeply").with_hint(format!(
        "aidlc follows at most {MAX_REFERENCE_DEPTH} levels of references"
    ))
}

/// Semantic queries with caches.
#[derive(Debug)]
pub struct Sema<'p> {
    /// The program being compiled.
    pub program: &'p Program,
    consts: RefCell<HashMap<String, Result<Value, Diagnostic>>>,
    in_progress: RefCell<HashSet<String>>,
    enums: RefCell<HashMap<String, Result<EnumValues, Diagnostic>>>,
    enum_partial: RefCell<HashMap<String, EnumValues>>,
}

impl<'p> Sema<'p> {
    /// Queries over `program`.
    pub fn new(program: &'p Program) -> Self {
        Sema {
            program,
            consts: RefCell::default(),
            in_progress: RefCell::default(),
            enums: RefCell::default(),
            enum_partial: RefCell::default(),
        }
    }

    /// The scope inside the declaration `fqn`.
    pub fn scope_of(&self, fqn: &str) -> Option<Scope> {
        self.program
            .types
            .get(fqn)
            .map(|at| Scope::of(self.program, at))
    }

    /// Resolves a written type.
    pub fn resolve_type(&self, t: &TypeRef, scope: &Scope) -> Result<Ty, Diagnostic> {
        let base = self.resolve_base(t, scope)?;
        let mut dynamic = 0;
        let mut fixed = Vec::new();
        for d in &t.dims {
            match d {
                ArrayDim::Dynamic => dynamic += 1,
                ArrayDim::Fixed(e) => fixed.push(self.array_size(e, scope)?),
            }
        }
        if dynamic > 1 || (dynamic == 1 && !fixed.is_empty()) {
            return Err(Diagnostic::error(
                t.span,
                "multi-dimensional arrays must have a fixed size in every dimension",
            )
            .with_hint("use `T[N][M]`, or a List of parcelables holding arrays"));
        }
        if base == Ty::Void && !t.dims.is_empty() {
            return Err(Diagnostic::error(
                t.span,
                "`void` cannot be an array element",
            ));
        }
        if dynamic == 1 {
            return Ok(Ty::Array(Box::new(base)));
        }
        Ok(fixed
            .into_iter()
            .rev()
            .fold(base, |inner, n| Ty::Fixed(Box::new(inner), n)))
    }

    fn array_size(&self, e: &ConstExpr, scope: &Scope) -> Result<usize, Diagnostic> {
        let v = self.eval(e, scope)?;
        v.as_i64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| (1..=1 << 20).contains(n))
            .ok_or_else(|| {
                Diagnostic::error(e.span, "array size must be a positive integral constant")
            })
    }

    fn resolve_base(&self, t: &TypeRef, scope: &Scope) -> Result<Ty, Diagnostic> {
        let args = t
            .args
            .iter()
            .map(|a| self.resolve_type(a, scope))
            .collect::<Result<Vec<_>, _>>()?;
        if t.name == "List" {
            return match args.as_slice() {
                [one] => Ok(Ty::List(Box::new(one.clone()))),
                _ => Err(
                    Diagnostic::error(t.span, "`List` takes exactly one type argument")
                        .with_hint("write `List<T>`; raw `List` is Java-only"),
                ),
            };
        }
        if let Some(b) = types::builtin(&t.name) {
            if !args.is_empty() {
                return Err(Diagnostic::error(
                    t.span,
                    format!("`{}` is not generic", t.name),
                ));
            }
            return Ok(b);
        }
        if types::UNSUPPORTED_BUILTINS.contains(&t.name.as_str()) {
            return Err(Diagnostic::error(
                t.span,
                format!("`{}` is not supported by the Rust backend", t.name),
            ));
        }
        if scope.type_params.contains(&t.name) {
            return Ok(Ty::Param(t.name.clone()));
        }
        let Some(fqn) = types::lookup_type(self.program, scope, &t.name) else {
            return Err(
                Diagnostic::error(t.span, format!("unknown type `{}`", t.name))
                    .with_hint("import it, or check the spelling and the -I include directories"),
            );
        };
        let expected = self
            .program
            .lookup(&fqn)
            .map_or(0, |d| d.type_params().len());
        if expected != args.len() {
            return Err(Diagnostic::error(
                t.span,
                format!(
                    "`{}` takes {expected} type argument(s), {} given",
                    t.name,
                    args.len()
                ),
            ));
        }
        Ok(Ty::Defined(fqn, args))
    }

    /// Evaluates an expression in `scope`.
    pub fn eval(&self, e: &ConstExpr, scope: &Scope) -> Result<Value, Diagnostic> {
        consteval::eval(e, &ScopeEnv { sema: self, scope })
    }

    /// Evaluates an expression and converts it to `ty`.
    pub fn eval_as(&self, e: &ConstExpr, scope: &Scope, ty: &Ty) -> Result<Value, Diagnostic> {
        let v = self.eval(e, scope)?;
        self.coerce(v, ty, e.span)
    }

    /// The value of constant `name` declared in `decl_fqn`.
    pub fn const_value(&self, decl_fqn: &str, name: &str, at: Span) -> Result<Value, Diagnostic> {
        let key = format!("{decl_fqn}#{name}");
        if let Some(v) = self.consts.borrow().get(&key) {
            return v.clone();
        }
        if self.too_deep() {
            return Err(too_deep(at));
        }
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            return Err(Diagnostic::error(
                at,
                format!("constant `{name}` is defined in terms of itself"),
            ));
        }
        let result = self.compute_const(decl_fqn, name, at);
        self.in_progress.borrow_mut().remove(&key);
        self.consts.borrow_mut().insert(key, result.clone());
        result
    }

    /// Constants and enumerators being evaluated at once: one per level of
    /// references, so this bounds the recursion.
    fn too_deep(&self) -> bool {
        self.in_progress.borrow().len() + self.enum_partial.borrow().len() >= MAX_REFERENCE_DEPTH
    }

    fn compute_const(&self, decl_fqn: &str, name: &str, at: Span) -> Result<Value, Diagnostic> {
        let unknown =
            || Diagnostic::error(at, format!("unknown constant `{name}` in `{decl_fqn}`"));
        let decl = self.program.lookup(decl_fqn).ok_or_else(unknown)?;
        let c = decl
            .consts()
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(unknown)?;
        let scope = self.scope_of(decl_fqn).ok_or_else(unknown)?;
        let ty = self.resolve_type(&c.ty, &scope)?;
        self.eval_as(&c.value, &scope, &ty)
    }

    /// The backing type of enum `fqn` (`byte` unless `@Backing` says otherwise).
    pub fn backing(&self, fqn: &str) -> Ty {
        let ty = self
            .program
            .lookup(fqn)
            .and_then(|d| d.annotation("Backing"))
            .and_then(|a| a.param("type"))
            .and_then(|e| match &e.kind {
                ExprKind::Str(s) => Some(s.clone()),
                _ => None,
            });
        match ty.as_deref() {
            Some("int") => Ty::Int,
            Some("long") => Ty::Long,
            _ => Ty::Byte,
        }
    }

    /// Every enumerator of enum `fqn` with its value, in order.
    pub fn enum_values(&self, fqn: &str) -> Result<EnumValues, Diagnostic> {
        if let Some(v) = self.enums.borrow().get(fqn) {
            return v.clone();
        }
        if self.enum_partial.borrow().contains_key(fqn) {
            return Ok(self
                .enum_partial
                .borrow()
                .get(fqn)
                .cloned()
                .unwrap_or_default());
        }
        if self.too_deep() {
            let at = self
                .program
                .lookup(fqn)
                .map(|d| d.name_span)
                .unwrap_or_default();
            return Err(too_deep(at));
        }
        self.enum_partial
            .borrow_mut()
            .insert(fqn.to_string(), Vec::new());
        let result = self.compute_enum(fqn);
        self.enum_partial.borrow_mut().remove(fqn);
        self.enums
            .borrow_mut()
            .insert(fqn.to_string(), result.clone());
        result
    }

    fn compute_enum(&self, fqn: &str) -> Result<EnumValues, Diagnostic> {
        let Some(decl) = self.program.lookup(fqn) else {
            return Ok(Vec::new());
        };
        let DeclKind::Enum(e) = &decl.kind else {
            return Ok(Vec::new());
        };
        let Some(scope) = self.scope_of(fqn) else {
            return Ok(Vec::new());
        };
        let backing = self.backing(fqn);
        let mut next: i64 = 0;
        for en in &e.enumerators {
            let raw = match &en.value {
                Some(expr) => {
                    let v = self.eval(expr, &scope)?;
                    v.as_i64().ok_or_else(|| {
                        Diagnostic::error(
                            expr.span,
                            format!("enumerator value must be integral, found {}", v.type_name()),
                        )
                    })?
                }
                None => next,
            };
            let span = en.value.as_ref().map_or(en.span, |v| v.span);
            let value = self.coerce(Value::Long(raw), &backing, span).map_err(|_| {
                Diagnostic::error(
                    span,
                    format!(
                        "enumerator `{}` = {raw} is out of range for backing type {}",
                        en.name,
                        ty_name(&backing)
                    ),
                )
                .with_hint("use @Backing(type=\"int\") or @Backing(type=\"long\")")
            })?;
            next = raw.wrapping_add(1);
            let entry = (
                en.name.clone(),
                Value::Enum(fqn.to_string(), en.name.clone(), Box::new(value)),
            );
            if let Some(partial) = self.enum_partial.borrow_mut().get_mut(fqn) {
                partial.push(entry);
            }
        }
        Ok(self
            .enum_partial
            .borrow()
            .get(fqn)
            .cloned()
            .unwrap_or_default())
    }

    /// Converts a value to a declared type, checking its range.
    pub fn coerce(&self, v: Value, ty: &Ty, span: Span) -> Result<Value, Diagnostic> {
        let mismatch = |v: &Value| {
            Diagnostic::error(
                span,
                format!(
                    "cannot use {} {} value as {}",
                    article(v.type_name()),
                    v.type_name(),
                    ty_name(ty)
                ),
            )
        };
        let range = |v: &Value| {
            Diagnostic::error(
                span,
                format!(
                    "value {} is out of range for {}",
                    v.as_i64().unwrap_or(0),
                    ty_name(ty)
                ),
            )
        };
        let integral = |v: &Value| !matches!(v, Value::Enum(..)) && v.as_i64().is_some();
        match ty {
            Ty::Boolean => match v {
                Value::Bool(_) => Ok(v),
                _ => Err(mismatch(&v)),
            },
            Ty::Char => match v {
                Value::Char(_) => Ok(v),
                _ => Err(mismatch(&v)),
            },
            Ty::Byte | Ty::Int | Ty::Long if matches!(v, Value::Enum(..)) => {
                // Only enumerators inside their own enum reach here (backing values).
                let inner = match v {
                    Value::Enum(_, _, inner) => *inner,
                    other => other,
                };
                self.coerce(inner, ty, span)
            }
            Ty::Byte => match v.as_i64().filter(|_| integral(&v)) {
                Some(n) => i8::try_from(n).map(Value::Byte).map_err(|_| range(&v)),
                None => Err(mismatch(&v)),
            },
            Ty::Int => match v.as_i64().filter(|_| integral(&v)) {
                Some(n) => i32::try_from(n).map(Value::Int).map_err(|_| range(&v)),
                None => Err(mismatch(&v)),
            },
            Ty::Long => match v.as_i64().filter(|_| integral(&v)) {
                Some(n) => Ok(Value::Long(n)),
                None => Err(mismatch(&v)),
            },
            Ty::Float | Ty::Double => {
                let f = match &v {
                    Value::Float(f) => f64::from(*f),
                    Value::Double(d) => *d,
                    other if integral(other) => other.as_i64().unwrap_or(0) as f64,
                    _ => return Err(mismatch(&v)),
                };
                Ok(if *ty == Ty::Float {
                    Value::Float(f as f32)
                } else {
                    Value::Double(f)
                })
            }
            Ty::String => match v {
                Value::Str(_) => Ok(v),
                _ => Err(mismatch(&v)),
            },
            Ty::Array(el) | Ty::List(el) | Ty::Fixed(el, _) => {
                let Value::Array(items) = v else {
                    return Err(mismatch(&v));
                };
                if let Ty::Fixed(_, n) = ty
                    && items.len() != *n
                {
                    return Err(Diagnostic::error(
                        span,
                        format!("expected {n} elements, found {}", items.len()),
                    ));
                }
                items
                    .into_iter()
                    .map(|i| self.coerce(i, el, span))
                    .collect::<Result<_, _>>()
                    .map(Value::Array)
            }
            Ty::Defined(fqn, _) => match &v {
                Value::Enum(e, ..) if e == fqn => Ok(v),
                _ => Err(mismatch(&v)),
            },
            _ => Err(mismatch(&v)),
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The AIDL spelling of a resolved type, for messages.
pub fn ty_name(t: &Ty) -> String {
    match t {
        Ty::Void => "void".into(),
        Ty::Boolean => "boolean".into(),
        Ty::Byte => "byte".into(),
        Ty::Char => "char".into(),
        Ty::Int => "int".into(),
        Ty::Long => "long".into(),
        Ty::Float => "float".into(),
        Ty::Double => "double".into(),
        Ty::String => "String".into(),
        Ty::IBinder => "IBinder".into(),
        Ty::Pfd => "ParcelFileDescriptor".into(),
        Ty::ParcelableHolder => "ParcelableHolder".into(),
        Ty::List(t) => format!("List<{}>", ty_name(t)),
        Ty::Array(t) => format!("{}[]", ty_name(t)),
        Ty::Fixed(..) => {
            // Dimensions print outermost first, as written: `int[2][3]`.
            let mut dims = String::new();
            let mut cur = t;
            while let Ty::Fixed(inner, n) = cur {
                dims.push_str(&format!("[{n}]"));
                cur = inner;
            }
            format!("{}{dims}", ty_name(cur))
        }
        Ty::Defined(n, args) if args.is_empty() => n.clone(),
        Ty::Defined(n, args) => format!(
            "{n}<{}>",
            args.iter().map(ty_name).collect::<Vec<_>>().join(", ")
        ),
        Ty::Param(p) => p.clone(),
    }
}

struct ScopeEnv<'s, 'p> {
    sema: &'s Sema<'p>,
    scope: &'s Scope,
}

impl Env for ScopeEnv<'_, '_> {
    fn lookup(&self, name: &str, span: Span) -> Result<Value, Diagnostic> {
        let program = self.sema.program;
        match name.rsplit_once('.') {
            None => {
                for outer in self.scope.chain.iter().rev() {
                    let Some(decl) = program.lookup(outer) else {
                        continue;
                    };
                    if decl.consts().iter().any(|c| c.name == name) {
                        return self.sema.const_value(outer, name, span);
                    }
                    if let DeclKind::Enum(e) = &decl.kind
                        && e.enumerators.iter().any(|en| en.name == name)
                    {
                        let values = self.sema.enum_values(outer)?;
                        return values
                            .into_iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| v)
                            .ok_or_else(|| {
                                Diagnostic::error(
                                    span,
                                    format!("enumerator `{name}` is used before it is defined"),
                                )
                            });
                    }
                }
                Err(
                    Diagnostic::error(span, format!("unknown constant `{name}`"))
                        .with_hint("constants of other types are written `Type.NAME`"),
                )
            }
            Some((ty, member)) => {
                let Some(fqn) = types::lookup_type(program, self.scope, ty) else {
                    return Err(Diagnostic::error(
                        span,
                        format!("unknown type `{ty}` in `{name}`"),
                    ));
                };
                let Some(decl) = program.lookup(&fqn) else {
                    return Err(Diagnostic::error(span, format!("unknown type `{ty}`")));
                };
                if let DeclKind::Enum(e) = &decl.kind
                    && e.enumerators.iter().any(|en| en.name == member)
                {
                    let values = self.sema.enum_values(&fqn)?;
                    return values
                        .into_iter()
                        .find(|(n, _)| n == member)
                        .map(|(_, v)| v)
                        .ok_or_else(|| {
                            Diagnostic::error(
                                span,
                                format!("enumerator `{member}` is used before it is defined"),
                            )
                        });
                }
                if decl.consts().iter().any(|c| c.name == member) {
                    return self.sema.const_value(&fqn, member, span);
                }
                Err(Diagnostic::error(
                    span,
                    format!("`{ty}` has no constant or enumerator `{member}`"),
                ))
            }
        }
    }
}
