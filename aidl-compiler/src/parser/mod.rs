//! pest grammar → [`ast`](crate::ast). Syntax errors become diagnostics; nothing
//! here panics on any input.

use crate::ast::*;
use crate::diagnostics::Diagnostic;
use crate::lexical::{self, DocComment};
use pest::Parser as _;
use pest::iterators::Pair;

mod errors;
mod expr;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct AidlParser;

/// More operators than this in one expression is refused (bounds recursion later).
const MAX_EXPR_NODES: usize = 512;

/// More array dimensions than this are refused (bounds recursion over types).
const MAX_ARRAY_DIMS: usize = 16;

/// Annotations that describe a type rather than the member carrying it.
pub(crate) const TYPE_ANNOTATIONS: &[&str] = &["nullable", "utf8InCpp"];

struct Ctx<'a> {
    file: FileId,
    text: &'a str,
    docs: Vec<DocComment>,
    errors: Vec<Diagnostic>,
}

/// Parses one file. On a syntax error returns the diagnostics instead.
pub fn parse(file: FileId, text: &str) -> Result<Document, Vec<Diagnostic>> {
    let scan = lexical::scan(text);
    if let Some(at) = scan.too_deep {
        return Err(vec![
            Diagnostic::error(Span::new(file, at, at + 1), "nesting too deep").with_hint(format!(
                "aidlc accepts at most {} levels of brackets",
                lexical::MAX_NESTING
            )),
        ]);
    }
    pest::set_error_detail(true);
    let mut pairs = match AidlParser::parse(Rule::document, text) {
        Ok(p) => p,
        Err(e) => return Err(errors::syntax_errors(file, text, &e)),
    };
    let Some(doc_pair) = pairs.next() else {
        return Err(vec![Diagnostic::error(
            Span::new(file, 0, 0),
            "empty parse",
        )]);
    };
    let mut ctx = Ctx {
        file,
        text,
        docs: scan.docs,
        errors: Vec::new(),
    };
    let doc = ctx.document(doc_pair);
    if ctx.errors.is_empty() {
        Ok(doc)
    } else {
        Err(ctx.errors)
    }
}

impl Ctx<'_> {
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        // Pairs of non-atomic rules can end with the whitespace skipped before a
        // failed optional part; diagnostics should not underline it.
        let s = p.as_span();
        let len = s.as_str().trim_end().len();
        Span::new(self.file, s.start(), s.start() + len)
    }

    fn doc(&self, start: usize) -> Option<String> {
        lexical::doc_before(self.text, &self.docs, start)
    }

    fn document(&mut self, pair: Pair<'_, Rule>) -> Document {
        let mut doc = Document {
            file: self.file,
            package: String::new(),
            package_span: Span::new(self.file, 0, 0),
            imports: Vec::new(),
            decls: Vec::new(),
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::package_decl => {
                    for q in p.into_inner() {
                        if q.as_rule() == Rule::qualified_name {
                            doc.package = q.as_str().to_string();
                            doc.package_span = self.span(&q);
                        }
                    }
                }
                Rule::import_decl => {
                    for q in p.into_inner() {
                        if q.as_rule() == Rule::qualified_name {
                            doc.imports.push(Import {
                                name: q.as_str().to_string(),
                                span: self.span(&q),
                            });
                        }
                    }
                }
                Rule::decl => {
                    let prefix = doc.package.clone();
                    if let Some(d) = self.decl(p, &prefix) {
                        doc.decls.push(d);
                    }
                }
                _ => {}
            }
        }
        doc
    }

    fn decl(&mut self, pair: Pair<'_, Rule>, prefix: &str) -> Option<Decl> {
        let span = self.span(&pair);
        let doc = self.doc(span.start);
        let mut annotations = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::annotation => annotations.push(self.annotation(p)),
                Rule::interface_decl => {
                    return Some(self.interface(p, span, doc, annotations, prefix));
                }
                Rule::parcelable_decl => {
                    return Some(self.parcelable(p, span, doc, annotations, prefix));
                }
                Rule::union_decl => {
                    return Some(self.parcelable(p, span, doc, annotations, prefix));
                }
                Rule::enum_decl => return Some(self.enum_(p, span, doc, annotations, prefix)),
                _ => {}
            }
        }
        None
    }

    fn qualify(prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    }

    fn interface(
        &mut self,
        pair: Pair<'_, Rule>,
        span: Span,
        doc: Option<String>,
        annotations: Vec<Annotation>,
        prefix: &str,
    ) -> Decl {
        let mut iface = Interface::default();
        let mut name = String::new();
        let mut name_span = span;
        let mut qualified = String::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::oneway => iface.oneway = true,
                Rule::ident => {
                    name = p.as_str().to_string();
                    name_span = self.span(&p);
                    qualified = Self::qualify(prefix, &name);
                }
                Rule::const_decl => iface.consts.push(self.const_decl(p)),
                Rule::method_decl => iface.methods.push(self.method(p)),
                Rule::decl => {
                    if let Some(d) = self.decl(p, &qualified) {
                        iface.nested.push(d);
                    }
                }
                _ => {}
            }
        }
        Decl {
            name,
            qualified_name: qualified,
            name_span,
            span,
            doc,
            annotations,
            kind: DeclKind::Interface(iface),
        }
    }

    fn parcelable(
        &mut self,
        pair: Pair<'_, Rule>,
        span: Span,
        doc: Option<String>,
        annotations: Vec<Annotation>,
        prefix: &str,
    ) -> Decl {
        let is_union = pair.as_rule() == Rule::union_decl;
        let mut name = String::new();
        let mut name_span = span;
        let mut type_params = Vec::new();
        let mut body = None;
        let mut unstructured = None;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident | Rule::qualified_name => {
                    name = p.as_str().to_string();
                    name_span = self.span(&p);
                }
                Rule::type_params => {
                    type_params = p.into_inner().map(|t| t.as_str().to_string()).collect()
                }
                Rule::member_body => body = Some(p),
                Rule::unstructured_tail => unstructured = Some(p),
                _ => {}
            }
        }
        let qualified = Self::qualify(prefix, &name);
        let kind = if let Some(tail) = unstructured {
            let mut u = Unstructured {
                type_params,
                ..Unstructured::default()
            };
            for clause in tail.into_inner() {
                let mut inner = clause.into_inner();
                let (Some(kind), Some(value)) = (inner.next(), inner.next()) else {
                    continue;
                };
                let value = self.string_value(&value);
                match kind.as_str() {
                    "cpp_header" => u.cpp_header = Some(value),
                    "ndk_header" => u.ndk_header = Some(value),
                    _ => u.rust_type = Some(value),
                }
            }
            DeclKind::Unstructured(u)
        } else {
            let mut parcel = Parcelable {
                type_params,
                ..Parcelable::default()
            };
            if let Some(body) = body {
                for p in body.into_inner() {
                    match p.as_rule() {
                        Rule::const_decl => parcel.consts.push(self.const_decl(p)),
                        Rule::field_decl => parcel.fields.push(self.field(p)),
                        Rule::decl => {
                            if let Some(d) = self.decl(p, &qualified) {
                                parcel.nested.push(d);
                            }
                        }
                        _ => {}
                    }
                }
            }
            if is_union {
                DeclKind::Union(parcel)
            } else {
                DeclKind::Parcelable(parcel)
            }
        };
        Decl {
            name,
            qualified_name: qualified,
            name_span,
            span,
            doc,
            annotations,
            kind,
        }
    }

    fn enum_(
        &mut self,
        pair: Pair<'_, Rule>,
        span: Span,
        doc: Option<String>,
        annotations: Vec<Annotation>,
        prefix: &str,
    ) -> Decl {
        let mut name = String::new();
        let mut name_span = span;
        let mut e = Enum::default();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::ident => {
                    name = p.as_str().to_string();
                    name_span = self.span(&p);
                }
                Rule::enumerator => {
                    let doc = self.doc(p.as_span().start());
                    let mut en = Enumerator {
                        name: String::new(),
                        span,
                        doc,
                        annotations: Vec::new(),
                        value: None,
                    };
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::annotation => en.annotations.push(self.annotation(q)),
                            Rule::ident => {
                                en.name = q.as_str().to_string();
                                en.span = self.span(&q);
                            }
                            Rule::const_expr => en.value = Some(self.expr(q)),
                            _ => {}
                        }
                    }
                    e.enumerators.push(en);
                }
                _ => {}
            }
        }
        let qualified = Self::qualify(prefix, &name);
        Decl {
            name,
            qualified_name: qualified,
            name_span,
            span,
            doc,
            annotations,
            kind: DeclKind::Enum(e),
        }
    }

    /// Splits leading annotations into (member annotations, type annotations).
    fn split_annotations(all: Vec<Annotation>) -> (Vec<Annotation>, Vec<Annotation>) {
        all.into_iter()
            .partition(|a| !TYPE_ANNOTATIONS.contains(&a.name.as_str()))
    }

    fn method(&mut self, pair: Pair<'_, Rule>) -> Method {
        let span = self.span(&pair);
        let doc = self.doc(span.start);
        let mut anns = Vec::new();
        let mut m = Method {
            name: String::new(),
            name_span: span,
            span,
            doc,
            annotations: Vec::new(),
            oneway: false,
            oneway_span: None,
            ret: empty_type(span),
            args: Vec::new(),
            id: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::annotation => anns.push(self.annotation(p)),
                Rule::oneway => {
                    m.oneway = true;
                    m.oneway_span = Some(self.span(&p));
                }
                Rule::type_ref => m.ret = self.type_ref(p),
                Rule::ident => {
                    m.name = p.as_str().to_string();
                    m.name_span = self.span(&p);
                }
                Rule::arg => m.args.push(self.arg(p)),
                Rule::method_id => m.id = Some((p.as_str().to_string(), self.span(&p))),
                _ => {}
            }
        }
        let (member, ty) = Self::split_annotations(anns);
        m.annotations = member;
        m.ret.annotations.splice(0..0, ty);
        m
    }

    fn arg(&mut self, pair: Pair<'_, Rule>) -> Arg {
        let span = self.span(&pair);
        let mut anns = Vec::new();
        let mut a = Arg {
            name: String::new(),
            span,
            direction: None,
            annotations: Vec::new(),
            ty: empty_type(span),
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::annotation => anns.push(self.annotation(p)),
                Rule::direction => {
                    let d = match p.as_str() {
                        "out" => Direction::Out,
                        "inout" => Direction::InOut,
                        _ => Direction::In,
                    };
                    a.direction = Some((d, self.span(&p)));
                }
                Rule::type_ref => a.ty = self.type_ref(p),
                Rule::ident => a.name = p.as_str().to_string(),
                _ => {}
            }
        }
        let (member, ty) = Self::split_annotations(anns);
        a.annotations = member;
        a.ty.annotations.splice(0..0, ty);
        a
    }

    fn field(&mut self, pair: Pair<'_, Rule>) -> Field {
        let span = self.span(&pair);
        let doc = self.doc(span.start);
        let mut anns = Vec::new();
        let mut f = Field {
            name: String::new(),
            name_span: span,
            span,
            doc,
            annotations: Vec::new(),
            ty: empty_type(span),
            default: None,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::annotation => anns.push(self.annotation(p)),
                Rule::type_ref => f.ty = self.type_ref(p),
                Rule::ident => {
                    f.name = p.as_str().to_string();
                    f.name_span = self.span(&p);
                }
                Rule::const_expr => f.default = Some(self.expr(p)),
                _ => {}
            }
        }
        let (member, ty) = Self::split_annotations(anns);
        f.annotations = member;
        f.ty.annotations.splice(0..0, ty);
        f
    }

    fn const_decl(&mut self, pair: Pair<'_, Rule>) -> Const {
        let span = self.span(&pair);
        let doc = self.doc(span.start);
        let mut anns = Vec::new();
        let mut c = Const {
            name: String::new(),
            name_span: span,
            span,
            doc,
            annotations: Vec::new(),
            ty: empty_type(span),
            value: ConstExpr {
                kind: ExprKind::Bool(false),
                span,
            },
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::annotation => anns.push(self.annotation(p)),
                Rule::type_ref => c.ty = self.type_ref(p),
                Rule::ident => {
                    c.name = p.as_str().to_string();
                    c.name_span = self.span(&p);
                }
                Rule::const_expr => c.value = self.expr(p),
                _ => {}
            }
        }
        let (member, ty) = Self::split_annotations(anns);
        c.annotations = member;
        c.ty.annotations.splice(0..0, ty);
        c
    }

    fn type_ref(&mut self, pair: Pair<'_, Rule>) -> TypeRef {
        let span = self.span(&pair);
        let mut t = empty_type(span);
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::annotation => t.annotations.push(self.annotation(p)),
                Rule::qualified_name => t.name = p.as_str().to_string(),
                Rule::type_args => {
                    for a in p.into_inner() {
                        t.args.push(self.type_ref(a));
                    }
                }
                Rule::array_dim if t.dims.len() == MAX_ARRAY_DIMS => {
                    let span = self.span(&p);
                    self.errors.push(
                        Diagnostic::error(span, "too many array dimensions")
                            .with_hint(format!("aidlc accepts at most {MAX_ARRAY_DIMS}")),
                    );
                    break;
                }
                Rule::array_dim => {
                    let dim = match p.into_inner().next() {
                        Some(e) => ArrayDim::Fixed(self.expr(e)),
                        None => ArrayDim::Dynamic,
                    };
                    t.dims.push(dim);
                }
                _ => {}
            }
        }
        t
    }

    fn annotation(&mut self, pair: Pair<'_, Rule>) -> Annotation {
        let span = self.span(&pair);
        let mut a = Annotation {
            name: String::new(),
            params: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::qualified_name => a.name = p.as_str().to_string(),
                Rule::annotation_params => {
                    for q in p.into_inner() {
                        let qspan = self.span(&q);
                        match q.as_rule() {
                            Rule::annotation_param => {
                                let mut inner = q.into_inner();
                                let (Some(k), Some(v)) = (inner.next(), inner.next()) else {
                                    continue;
                                };
                                let name = k.as_str().to_string();
                                let value = self.expr(v);
                                a.params.push(AnnotationParam {
                                    name,
                                    value,
                                    span: qspan,
                                });
                            }
                            Rule::const_expr => {
                                let value = self.expr(q);
                                a.params.push(AnnotationParam {
                                    name: "value".into(),
                                    value,
                                    span: qspan,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        a
    }

    fn string_value(&mut self, p: &Pair<'_, Rule>) -> String {
        let raw = p.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        match expr::unescape(inner) {
            Ok(s) => s,
            Err(msg) => {
                let span = self.span(p);
                self.errors.push(Diagnostic::error(span, msg));
                String::new()
            }
        }
    }
}

fn empty_type(span: Span) -> TypeRef {
    TypeRef {
        name: String::new(),
        span,
        annotations: Vec::new(),
        args: Vec::new(),
        dims: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> Document {
        match parse(0, src) {
            Ok(d) => d,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn parses_interface_with_everything() {
        let d = parse_ok(
            "package a.b;\nimport c.D;\n/** Doc. */\n@VintfStability\ninterface IFoo {\n  const int X = 1 + 2 * 3;\n  /** m */ oneway void m(in int[] a, out D d, @nullable String s) = 3;\n  D get();\n  parcelable Inner { int x = 5; }\n}\n",
        );
        assert_eq!(d.package, "a.b");
        assert_eq!(d.imports[0].name, "c.D");
        let decl = &d.decls[0];
        assert_eq!(decl.qualified_name, "a.b.IFoo");
        assert_eq!(decl.doc.as_deref(), Some("/** Doc. */"));
        let DeclKind::Interface(i) = &decl.kind else {
            panic!()
        };
        assert_eq!(i.methods.len(), 2);
        assert!(i.methods[0].oneway);
        assert_eq!(i.methods[0].doc.as_deref(), Some("/** m */"));
        assert!(i.methods[0].args[2].ty.is_nullable());
        assert_eq!(i.nested[0].qualified_name, "a.b.IFoo.Inner");
        let ExprKind::Binary(BinOp::Add, _, rhs) = &i.consts[0].value.kind else {
            panic!()
        };
        assert!(matches!(rhs.kind, ExprKind::Binary(BinOp::Mul, _, _)));
    }

    #[test]
    fn parses_unstructured_and_enum_and_union() {
        let d = parse_ok(
            "parcelable a.Foo cpp_header \"x.h\" rust_type \"crate::Foo\";\n@Backing(type=\"byte\") enum E { A, B = A + 1, }\nunion U<T> { int a; T b; }",
        );
        assert!(
            matches!(&d.decls[0].kind, DeclKind::Unstructured(u) if u.rust_type.as_deref() == Some("crate::Foo"))
        );
        assert!(matches!(&d.decls[1].kind, DeclKind::Enum(e) if e.enumerators.len() == 2));
        assert_eq!(d.decls[2].type_params(), ["T"]);
    }

    #[test]
    fn syntax_error_points_at_token() {
        let e = parse(0, "interface IFoo { void m() }").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(
            e[0].message.starts_with("syntax error: unexpected `}`"),
            "{}",
            e[0].message
        );
    }
}
