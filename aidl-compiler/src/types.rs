//! Resolved types and the name-lookup rules that produce them.

use crate::program::{DeclPath, Program};

/// A resolved type.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `void` (return type only).
    Void,
    /// `boolean`
    Boolean,
    /// `byte`
    Byte,
    /// `char`
    Char,
    /// `int`
    Int,
    /// `long`
    Long,
    /// `float`
    Float,
    /// `double`
    Double,
    /// `String`
    String,
    /// `IBinder`
    IBinder,
    /// `ParcelFileDescriptor`
    Pfd,
    /// `ParcelableHolder`
    ParcelableHolder,
    /// `List<T>`
    List(Box<Ty>),
    /// `T[]`
    Array(Box<Ty>),
    /// `T[N]`
    Fixed(Box<Ty>, usize),
    /// A declared interface/parcelable/enum/union by qualified name, with generic arguments.
    Defined(String, Vec<Ty>),
    /// A generic parameter of the enclosing parcelable.
    Param(String),
}

impl Ty {
    /// A primitive (passed by value, never null, `in` only).
    pub fn is_primitive(&self) -> bool {
        matches!(
            self,
            Ty::Boolean | Ty::Byte | Ty::Char | Ty::Int | Ty::Long | Ty::Float | Ty::Double
        )
    }

    /// Arrays and lists.
    pub fn element(&self) -> Option<&Ty> {
        match self {
            Ty::List(t) | Ty::Array(t) | Ty::Fixed(t, _) => Some(t),
            _ => None,
        }
    }
}

/// The builtin type names.
pub fn builtin(name: &str) -> Option<Ty> {
    Some(match name {
        "void" => Ty::Void,
        "boolean" => Ty::Boolean,
        "byte" => Ty::Byte,
        "char" => Ty::Char,
        "int" => Ty::Int,
        "long" => Ty::Long,
        "float" => Ty::Float,
        "double" => Ty::Double,
        "String" => Ty::String,
        "IBinder" => Ty::IBinder,
        "ParcelFileDescriptor" => Ty::Pfd,
        "ParcelableHolder" => Ty::ParcelableHolder,
        _ => return None,
    })
}

/// Builtin names of AOSP that the Rust backend does not support.
pub const UNSUPPORTED_BUILTINS: &[&str] = &["Map", "CharSequence", "FileDescriptor"];

/// Where a name is looked up: the document and the chain of enclosing declarations.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Index of the document.
    pub doc: usize,
    /// Qualified names of the enclosing declarations, outermost first.
    pub chain: Vec<String>,
    /// Generic parameters visible here.
    pub type_params: Vec<String>,
}

impl Scope {
    /// The scope inside the declaration at `at`.
    pub fn of(program: &Program, at: &DeclPath) -> Scope {
        let chain = program.decl_chain(at);
        let type_params = chain
            .iter()
            .flat_map(|d| d.type_params().iter().cloned())
            .collect();
        Scope {
            doc: at.doc,
            chain: chain.iter().map(|d| d.qualified_name.clone()).collect(),
            type_params,
        }
    }

    /// The innermost declaration's qualified name.
    pub fn current(&self) -> Option<&str> {
        self.chain.last().map(String::as_str)
    }
}

/// Resolves a (possibly dotted) declared type name to a qualified name.
pub fn lookup_type(program: &Program, scope: &Scope, name: &str) -> Option<String> {
    let (head, rest) = match name.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (name, None),
    };
    let with_rest = |base: String| match rest {
        Some(r) => format!("{base}.{r}"),
        None => base,
    };
    let exists = |fqn: &str| program.types.contains_key(fqn);
    for outer in scope.chain.iter().rev() {
        if outer.rsplit('.').next() == Some(head) {
            let c = with_rest(outer.clone());
            if exists(&c) {
                return Some(c);
            }
        }
        let c = with_rest(format!("{outer}.{head}"));
        if exists(&c) {
            return Some(c);
        }
    }
    let doc = program.docs.get(scope.doc)?;
    for imp in &doc.imports {
        if imp.name.rsplit('.').next() == Some(head) {
            let c = with_rest(imp.name.clone());
            if exists(&c) {
                return Some(c);
            }
        }
    }
    if !doc.package.is_empty() {
        let c = format!("{}.{name}", doc.package);
        if exists(&c) {
            return Some(c);
        }
    }
    exists(name).then(|| name.to_string())
}
