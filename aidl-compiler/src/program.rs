//! A compilation: the input files, every file they pull in from include
//! directories, and the table of every declared type by qualified name.

use crate::ast::*;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap};
use crate::parser;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Where a declaration lives: document index, then indices through nested decls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclPath {
    /// Index into [`Program::docs`].
    pub doc: usize,
    /// Index into the document's decls, then into nested decls.
    pub path: Vec<usize>,
}

/// All parsed files of a run.
#[derive(Debug, Default)]
pub struct Program {
    /// Source text of every file.
    pub sources: SourceMap,
    /// Parsed documents (inputs first, then files loaded for imports).
    pub docs: Vec<Document>,
    /// Which documents were given as inputs (code is generated for these only).
    pub inputs: Vec<usize>,
    /// Every declared type by qualified name.
    pub types: BTreeMap<String, DeclPath>,
    /// Include directories searched for imports.
    pub include_dirs: Vec<PathBuf>,
    /// Files whose parse failed (not retried).
    failed: HashSet<PathBuf>,
}

impl Program {
    /// A program searching `include_dirs` for imported types.
    pub fn new(include_dirs: Vec<PathBuf>) -> Self {
        Program {
            include_dirs,
            ..Program::default()
        }
    }

    /// Adds an input file from disk.
    pub fn add_input_file(&mut self, path: &Path, diags: &mut Diagnostics) {
        match std::fs::read_to_string(path) {
            Ok(text) => self.add_input_source(path.to_path_buf(), text, diags),
            Err(e) => diags.push(Diagnostic::global(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    /// Adds an input file given as text.
    pub fn add_input_source(&mut self, path: PathBuf, text: String, diags: &mut Diagnostics) {
        if let Some(existing) = self.sources.find(&path) {
            if let Some(doc) = self.docs.iter().position(|d| d.file == existing)
                && !self.inputs.contains(&doc)
            {
                self.inputs.push(doc);
            }
            return;
        }
        if let Some(doc) = self.add_source(path.clone(), text, diags) {
            self.inputs.push(doc);
            // The root implied by the file's package path is searched too, so that
            // sibling types need neither an import nor an explicit -I.
            if let Some(root) = self
                .docs
                .get(doc)
                .and_then(|d| package_root(&path, &d.package))
                && !self.include_dirs.contains(&root)
            {
                self.include_dirs.push(root);
            }
        }
    }

    fn add_source(
        &mut self,
        path: PathBuf,
        text: String,
        diags: &mut Diagnostics,
    ) -> Option<usize> {
        let file = self.sources.add(path.clone(), text);
        let text = self
            .sources
            .get(file)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        match parser::parse(file, &text) {
            Ok(doc) => {
                let idx = self.docs.len();
                for (i, d) in doc.decls.iter().enumerate() {
                    self.register(
                        d,
                        DeclPath {
                            doc: idx,
                            path: vec![i],
                        },
                        diags,
                    );
                }
                self.docs.push(doc);
                Some(idx)
            }
            Err(errors) => {
                self.failed.insert(path);
                for e in errors {
                    diags.push(e);
                }
                None
            }
        }
    }

    fn register(&mut self, decl: &Decl, at: DeclPath, diags: &mut Diagnostics) {
        if let Some(prev) = self.types.get(&decl.qualified_name) {
            let prev_span = self.decl(prev).map(|d| d.name_span);
            if prev_span != Some(decl.name_span) {
                let mut d = Diagnostic::error(
                    decl.name_span,
                    format!("duplicate declaration of `{}`", decl.qualified_name),
                );
                if let Some(f) = prev_span.and_then(|s| self.sources.get(s.file)) {
                    let (line, col) = prev_span.map_or((0, 0), |s| f.line_col(s.start));
                    d = d.with_hint(format!(
                        "first declared at {}:{line}:{col}",
                        f.path.display()
                    ));
                }
                diags.push(d);
            }
            return;
        }
        self.types.insert(decl.qualified_name.clone(), at.clone());
        for (i, n) in decl.nested().iter().enumerate() {
            let mut path = at.path.clone();
            path.push(i);
            self.register(n, DeclPath { doc: at.doc, path }, diags);
        }
    }

    /// The declaration at `at`.
    pub fn decl(&self, at: &DeclPath) -> Option<&Decl> {
        let doc = self.docs.get(at.doc)?;
        let (first, rest) = at.path.split_first()?;
        let mut d = doc.decls.get(*first)?;
        for i in rest {
            d = d.nested().get(*i)?;
        }
        Some(d)
    }

    /// The declaration called `qualified_name`.
    pub fn lookup(&self, qualified_name: &str) -> Option<&Decl> {
        self.types.get(qualified_name).and_then(|p| self.decl(p))
    }

    /// The enclosing declarations of `at`, outermost first, ending with it.
    pub fn decl_chain(&self, at: &DeclPath) -> Vec<&Decl> {
        let mut out = Vec::new();
        let Some(doc) = self.docs.get(at.doc) else {
            return out;
        };
        let Some((first, rest)) = at.path.split_first() else {
            return out;
        };
        let Some(mut d) = doc.decls.get(*first) else {
            return out;
        };
        out.push(d);
        for i in rest {
            match d.nested().get(*i) {
                Some(n) => {
                    d = n;
                    out.push(d);
                }
                None => break,
            }
        }
        out
    }

    /// Loads, from the include directories, files that may declare the types the
    /// loaded documents mention, until nothing new is found.
    pub fn load_imports(&mut self, diags: &mut Diagnostics) {
        let mut done = 0;
        while done < self.docs.len() {
            let wanted = candidates(&self.docs[done]);
            done += 1;
            for fqn in wanted {
                if !self.types.contains_key(&fqn) {
                    self.try_load(&fqn, diags);
                }
            }
        }
    }

    /// Tries the files that could declare `fqn` (`a/b/Foo.aidl` for `a.b.Foo` or
    /// `a.b.Foo.Inner`).
    fn try_load(&mut self, fqn: &str, diags: &mut Diagnostics) {
        let segments: Vec<&str> = fqn.split('.').collect();
        for top in (0..segments.len()).rev() {
            let mut rel = PathBuf::new();
            for s in &segments[..top] {
                rel.push(s);
            }
            rel.push(format!("{}.aidl", segments[top]));
            for dir in self.include_dirs.clone() {
                let path = dir.join(&rel);
                if self.sources.find(&path).is_some()
                    || self.failed.contains(&path)
                    || !path.is_file()
                {
                    continue;
                }
                if let Ok(text) = std::fs::read_to_string(&path) {
                    self.add_source(path, text, diags);
                    if self.types.contains_key(fqn) {
                        return;
                    }
                }
            }
        }
    }
}

/// `dir` for `dir/a/b/Foo.aidl` declaring `package a.b;`.
fn package_root(path: &Path, package: &str) -> Option<PathBuf> {
    let mut dir = path.parent()?.to_path_buf();
    for segment in package
        .split('.')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        if dir.file_name()? != segment {
            return None;
        }
        dir.pop();
    }
    Some(dir)
}

/// Qualified names a document may need: its imports, and each type name it
/// mentions qualified by its own package (types of the same package need no import).
fn candidates(doc: &Document) -> Vec<String> {
    let mut names: Vec<String> = doc.imports.iter().map(|i| i.name.clone()).collect();
    let mut mentioned = Vec::new();
    for d in &doc.decls {
        collect_decl(d, &mut mentioned);
    }
    for n in mentioned {
        if crate::types::builtin(&n).is_some()
            || n == "List"
            || crate::types::UNSUPPORTED_BUILTINS.contains(&n.as_str())
        {
            continue;
        }
        if n.contains('.') {
            names.push(n.clone());
        }
        if !doc.package.is_empty() {
            names.push(format!("{}.{n}", doc.package));
        }
    }
    names.sort();
    names.dedup();
    names
}

fn collect_decl(d: &Decl, out: &mut Vec<String>) {
    for a in &d.annotations {
        collect_ann(a, out);
    }
    match &d.kind {
        DeclKind::Interface(i) => {
            for m in &i.methods {
                collect_type(&m.ret, out);
                for a in &m.args {
                    collect_type(&a.ty, out);
                }
            }
            for c in &i.consts {
                collect_type(&c.ty, out);
                collect_expr(&c.value, out);
            }
        }
        DeclKind::Parcelable(p) | DeclKind::Union(p) => {
            for f in &p.fields {
                collect_type(&f.ty, out);
                if let Some(e) = &f.default {
                    collect_expr(e, out);
                }
            }
            for c in &p.consts {
                collect_type(&c.ty, out);
                collect_expr(&c.value, out);
            }
        }
        DeclKind::Enum(e) => {
            for en in &e.enumerators {
                if let Some(v) = &en.value {
                    collect_expr(v, out);
                }
            }
        }
        DeclKind::Unstructured(_) => {}
    }
    for n in d.nested() {
        collect_decl(n, out);
    }
}

fn collect_ann(a: &Annotation, out: &mut Vec<String>) {
    for p in &a.params {
        collect_expr(&p.value, out);
    }
}

fn collect_type(t: &TypeRef, out: &mut Vec<String>) {
    if let Some(head) = t.name.split('.').next() {
        out.push(head.to_string());
    }
    out.push(t.name.clone());
    for a in &t.args {
        collect_type(a, out);
    }
    for d in &t.dims {
        if let ArrayDim::Fixed(e) = d {
            collect_expr(e, out);
        }
    }
}

fn collect_expr(e: &ConstExpr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Ref(name) => {
            // `Type.CONST` or `a.b.Type.CONST`: the type part is everything but the last.
            if let Some((ty, _)) = name.rsplit_once('.') {
                out.push(ty.to_string());
                if let Some(head) = ty.split('.').next() {
                    out.push(head.to_string());
                }
            }
        }
        ExprKind::Unary(_, a) => collect_expr(a, out),
        ExprKind::Binary(_, a, b) => {
            collect_expr(a, out);
            collect_expr(b, out);
        }
        ExprKind::Ternary(a, b, c) => {
            collect_expr(a, out);
            collect_expr(b, out);
            collect_expr(c, out);
        }
        ExprKind::Array(v) => v.iter().for_each(|x| collect_expr(x, out)),
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Bool(_)
        | ExprKind::Char(_)
        | ExprKind::Str(_) => {}
    }
}
