//! The syntax tree of one `.aidl` file, as written (before name resolution).
//!
//! Every node keeps its [`Span`] so that later passes can point at it, and every
//! declaration keeps its doc comment so that code generation can carry it over.

/// Index of a source file in a [`crate::diagnostics::SourceMap`].
pub type FileId = usize;

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span covering `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }
}

/// A parsed `.aidl` file.
#[derive(Debug, Clone)]
pub struct Document {
    /// The file this came from.
    pub file: FileId,
    /// `package a.b.c;` (empty when absent).
    pub package: String,
    /// Where the package clause is (or the start of the file).
    pub package_span: Span,
    /// `import` clauses, in order.
    pub imports: Vec<Import>,
    /// Top-level declarations.
    pub decls: Vec<Decl>,
}

/// `import a.b.Foo;`
#[derive(Debug, Clone)]
pub struct Import {
    /// The imported qualified name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
}

/// `@Name` or `@Name(value)` or `@Name(key = value, ...)`.
#[derive(Debug, Clone)]
pub struct Annotation {
    /// The name without `@`.
    pub name: String,
    /// Parameters; a single positional value is stored under the name `value`.
    pub params: Vec<AnnotationParam>,
    /// The whole annotation.
    pub span: Span,
}

impl Annotation {
    /// The value of parameter `name`, if given.
    pub fn param(&self, name: &str) -> Option<&ConstExpr> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.value)
    }
}

/// One `key = value` annotation parameter.
#[derive(Debug, Clone)]
pub struct AnnotationParam {
    /// Parameter name (`value` for a positional parameter).
    pub name: String,
    /// The value.
    pub value: ConstExpr,
    /// Where the parameter is written.
    pub span: Span,
}

/// A named declaration: interface, parcelable, enum or union.
#[derive(Debug, Clone)]
pub struct Decl {
    /// Simple name (for an unstructured parcelable, possibly dotted).
    pub name: String,
    /// Fully qualified name, `package.Outer.Name`.
    pub qualified_name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// The whole declaration including annotations.
    pub span: Span,
    /// The `/** ... */` comment before it, verbatim.
    pub doc: Option<String>,
    /// Annotations on the declaration.
    pub annotations: Vec<Annotation>,
    /// What kind of declaration it is.
    pub kind: DeclKind,
}

impl Decl {
    /// The annotation called `name`, if present.
    pub fn annotation(&self, name: &str) -> Option<&Annotation> {
        self.annotations.iter().find(|a| a.name == name)
    }

    /// Types declared inside this one.
    pub fn nested(&self) -> &[Decl] {
        match &self.kind {
            DeclKind::Interface(i) => &i.nested,
            DeclKind::Parcelable(p) | DeclKind::Union(p) => &p.nested,
            DeclKind::Enum(_) | DeclKind::Unstructured(_) => &[],
        }
    }

    /// Mutable access to the nested declarations.
    pub fn nested_mut(&mut self) -> Option<&mut Vec<Decl>> {
        match &mut self.kind {
            DeclKind::Interface(i) => Some(&mut i.nested),
            DeclKind::Parcelable(p) | DeclKind::Union(p) => Some(&mut p.nested),
            DeclKind::Enum(_) | DeclKind::Unstructured(_) => None,
        }
    }

    /// Constants declared inside this one.
    pub fn consts(&self) -> &[Const] {
        match &self.kind {
            DeclKind::Interface(i) => &i.consts,
            DeclKind::Parcelable(p) | DeclKind::Union(p) => &p.consts,
            DeclKind::Enum(_) | DeclKind::Unstructured(_) => &[],
        }
    }

    /// Generic parameters (`parcelable Foo<T, U>`).
    pub fn type_params(&self) -> &[String] {
        match &self.kind {
            DeclKind::Parcelable(p) | DeclKind::Union(p) => &p.type_params,
            DeclKind::Unstructured(u) => &u.type_params,
            DeclKind::Interface(_) | DeclKind::Enum(_) => &[],
        }
    }

    /// A word for diagnostics: "interface", "parcelable", ...
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            DeclKind::Interface(_) => "interface",
            DeclKind::Parcelable(_) => "parcelable",
            DeclKind::Unstructured(_) => "unstructured parcelable",
            DeclKind::Enum(_) => "enum",
            DeclKind::Union(_) => "union",
        }
    }
}

/// The body of a declaration.
#[derive(Debug, Clone)]
pub enum DeclKind {
    /// `interface IFoo { ... }`
    Interface(Interface),
    /// `parcelable Foo { ... }`
    Parcelable(Parcelable),
    /// `parcelable Foo cpp_header "..." ...;`
    Unstructured(Unstructured),
    /// `enum E { ... }`
    Enum(Enum),
    /// `union U { ... }` (same shape as a parcelable)
    Union(Parcelable),
}

/// An interface body.
#[derive(Debug, Clone, Default)]
pub struct Interface {
    /// `oneway interface`: every method is oneway.
    pub oneway: bool,
    /// Methods in declaration order.
    pub methods: Vec<Method>,
    /// Constants in declaration order.
    pub consts: Vec<Const>,
    /// Nested types.
    pub nested: Vec<Decl>,
}

/// A method of an interface.
#[derive(Debug, Clone)]
pub struct Method {
    /// Method name.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// The whole method.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations on the method (type annotations are on `ret`).
    pub annotations: Vec<Annotation>,
    /// Declared `oneway` (the interface may also be oneway).
    pub oneway: bool,
    /// Where `oneway` is written, if it is.
    pub oneway_span: Option<Span>,
    /// Return type (`void` included).
    pub ret: TypeRef,
    /// Arguments.
    pub args: Vec<Arg>,
    /// Explicit transaction id (`= N`), as written.
    pub id: Option<(String, Span)>,
}

/// The direction of an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `in` (the default for types that cannot be out).
    In,
    /// `out`
    Out,
    /// `inout`
    InOut,
}

impl Direction {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::InOut => "inout",
        }
    }
}

/// A method argument.
#[derive(Debug, Clone)]
pub struct Arg {
    /// Argument name.
    pub name: String,
    /// The whole argument.
    pub span: Span,
    /// The direction as written.
    pub direction: Option<(Direction, Span)>,
    /// Annotations that are not about the type.
    pub annotations: Vec<Annotation>,
    /// The type.
    pub ty: TypeRef,
}

impl Arg {
    /// The effective direction (`in` unless written otherwise).
    pub fn dir(&self) -> Direction {
        self.direction.map(|d| d.0).unwrap_or(Direction::In)
    }
}

/// A structured parcelable or union body.
#[derive(Debug, Clone, Default)]
pub struct Parcelable {
    /// Generic parameters.
    pub type_params: Vec<String>,
    /// Fields (union members) in declaration order.
    pub fields: Vec<Field>,
    /// Constants.
    pub consts: Vec<Const>,
    /// Nested types.
    pub nested: Vec<Decl>,
}

/// A field of a parcelable or member of a union.
#[derive(Debug, Clone)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// The whole field.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations that are not about the type.
    pub annotations: Vec<Annotation>,
    /// The type.
    pub ty: TypeRef,
    /// `= value`
    pub default: Option<ConstExpr>,
}

/// An unstructured parcelable: defined in another language, only forward-declared.
#[derive(Debug, Clone, Default)]
pub struct Unstructured {
    /// Generic parameters.
    pub type_params: Vec<String>,
    /// `cpp_header "..."`
    pub cpp_header: Option<String>,
    /// `ndk_header "..."`
    pub ndk_header: Option<String>,
    /// `rust_type "..."`: the Rust path that implements it.
    pub rust_type: Option<String>,
}

/// An enum body.
#[derive(Debug, Clone, Default)]
pub struct Enum {
    /// Enumerators in order.
    pub enumerators: Vec<Enumerator>,
}

/// One enumerator.
#[derive(Debug, Clone)]
pub struct Enumerator {
    /// Name.
    pub name: String,
    /// Where the name is written.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations.
    pub annotations: Vec<Annotation>,
    /// `= value`
    pub value: Option<ConstExpr>,
}

/// `const T NAME = value;`
#[derive(Debug, Clone)]
pub struct Const {
    /// Name.
    pub name: String,
    /// Where the name is written.
    pub name_span: Span,
    /// The whole declaration.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<String>,
    /// Annotations that are not about the type.
    pub annotations: Vec<Annotation>,
    /// Declared type.
    pub ty: TypeRef,
    /// Value expression.
    pub value: ConstExpr,
}

/// A type as written: `@nullable List<Foo>[]`, `int[2][3]`, `a.b.Bar`.
#[derive(Debug, Clone)]
pub struct TypeRef {
    /// The name as written (`int`, `List`, `Foo`, `a.b.Foo.Inner`).
    pub name: String,
    /// The whole type.
    pub span: Span,
    /// Type annotations (`@nullable`, `@utf8InCpp`).
    pub annotations: Vec<Annotation>,
    /// Generic arguments.
    pub args: Vec<TypeRef>,
    /// Array dimensions, outermost first.
    pub dims: Vec<ArrayDim>,
}

impl TypeRef {
    /// The annotation called `name`, if present.
    pub fn annotation(&self, name: &str) -> Option<&Annotation> {
        self.annotations.iter().find(|a| a.name == name)
    }

    /// `@nullable` is present.
    pub fn is_nullable(&self) -> bool {
        self.annotation("nullable").is_some()
    }

    /// `@utf8InCpp` is present.
    pub fn is_utf8(&self) -> bool {
        self.annotation("utf8InCpp").is_some()
    }

    /// Is this `void`?
    pub fn is_void(&self) -> bool {
        self.name == "void" && self.dims.is_empty() && self.args.is_empty()
    }
}

/// One `[]` or `[N]`.
#[derive(Debug, Clone)]
pub enum ArrayDim {
    /// `[]`
    Dynamic,
    /// `[N]`
    Fixed(ConstExpr),
}

/// A constant expression.
#[derive(Debug, Clone)]
pub struct ConstExpr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// Operators of constant expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `||`
    Or,
    /// `&&`
    And,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `&`
    BitAnd,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    /// Binding strength, C-like as in AOSP (higher binds tighter).
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::BitOr => 3,
            BinOp::BitXor => 4,
            BinOp::BitAnd => 5,
            BinOp::Eq | BinOp::Ne => 6,
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => 7,
            BinOp::Shl | BinOp::Shr => 8,
            BinOp::Add | BinOp::Sub => 9,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 10,
        }
    }

    /// Parse an operator symbol.
    pub fn from_symbol(s: &str) -> Option<BinOp> {
        Some(match s {
            "||" => BinOp::Or,
            "&&" => BinOp::And,
            "|" => BinOp::BitOr,
            "^" => BinOp::BitXor,
            "&" => BinOp::BitAnd,
            "==" => BinOp::Eq,
            "!=" => BinOp::Ne,
            "<" => BinOp::Lt,
            ">" => BinOp::Gt,
            "<=" => BinOp::Le,
            ">=" => BinOp::Ge,
            "<<" => BinOp::Shl,
            ">>" => BinOp::Shr,
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "%" => BinOp::Rem,
            _ => return None,
        })
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `+`
    Plus,
    /// `-`
    Neg,
    /// `!`
    Not,
    /// `~`
    BitNot,
}

impl UnOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            UnOp::Plus => "+",
            UnOp::Neg => "-",
            UnOp::Not => "!",
            UnOp::BitNot => "~",
        }
    }
}

/// The forms of a constant expression.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// An integer literal as written (`42`, `0xFF`, `7L`, `255u8`).
    Int(String),
    /// A floating-point literal as written (`1.5`, `2.0f`).
    Float(String),
    /// `true` / `false`
    Bool(bool),
    /// A char literal's UTF-16 unit.
    Char(u16),
    /// A string literal's value (escapes resolved).
    Str(String),
    /// A reference to a constant or enumerator (`FOO`, `IBar.FOO`, `Color.RED`).
    Ref(String),
    /// Unary operation.
    Unary(UnOp, Box<ConstExpr>),
    /// Binary operation.
    Binary(BinOp, Box<ConstExpr>, Box<ConstExpr>),
    /// `c ? a : b`
    Ternary(Box<ConstExpr>, Box<ConstExpr>, Box<ConstExpr>),
    /// `{a, b, c}`
    Array(Vec<ConstExpr>),
}
