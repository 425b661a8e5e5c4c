//! Interfaces: the trait, `DESCRIPTOR`, transaction codes, the client proxy
//! `BpFoo`, the server stub `BnFoo` and the `FromIBinder` cast.

mod proxy;
mod stub;

use super::ident;
use super::types::Ctx;
use super::writer::Writer;
use crate::ast::*;
use crate::compiler::Options;
use crate::types::Ty;

/// Locals of the generated bodies; an argument with one of these names is renamed.
const RESERVED: &[&str] = &[
    "data", "reply", "service", "result", "ret", "code", "status",
];

/// How one argument is passed and marshaled.
struct ArgInfo {
    name: String,
    dir: Direction,
    ty: Ty,
    nullable: bool,
    utf8: bool,
    /// The trait signature type.
    sig: String,
    /// The owned type the stub reads into.
    owned: String,
}

struct MethodInfo {
    name: String,
    doc: Option<String>,
    oneway: bool,
    code: String,
    args: Vec<ArgInfo>,
    ret: Ty,
    ret_rust: String,
    ret_utf8: bool,
}

/// `IFoo` → `Foo` (for `BpFoo` / `BnFoo`), like Android's Rust backend.
fn stem(name: &str) -> &str {
    match name.strip_prefix('I') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest,
        _ => name,
    }
}

fn method_infos(ctx: &Ctx<'_, '_>, iface: &Interface) -> Vec<MethodInfo> {
    iface
        .methods
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let id =
                m.id.as_ref()
                    .and_then(|(t, s)| crate::consteval::int_literal(t, *s).ok())
                    .and_then(|v| v.as_i64())
                    .unwrap_or(i as i64);
            let code = if id == 0 {
                "::ipc_core::FIRST_CALL_TRANSACTION".to_string()
            } else {
                format!("::ipc_core::FIRST_CALL_TRANSACTION + {id}")
            };
            let args = m
                .args
                .iter()
                .map(|a| {
                    let ty = ctx.resolve(&a.ty);
                    let nullable = a.ty.is_nullable();
                    let dir = a.dir();
                    let owned = ctx.owned(&ty, nullable);
                    let sig = match dir {
                        Direction::In => ctx.in_arg(&ty, nullable),
                        _ => format!("&mut {owned}"),
                    };
                    let base = ident(&a.name);
                    let name = if RESERVED.contains(&a.name.as_str()) {
                        format!("{base}_")
                    } else {
                        base
                    };
                    ArgInfo {
                        name,
                        dir,
                        ty,
                        nullable,
                        utf8: a.ty.is_utf8(),
                        sig,
                        owned,
                    }
                })
                .collect();
            let ret = ctx.resolve(&m.ret);
            let ret_rust = ctx.owned(&ret, m.ret.is_nullable());
            MethodInfo {
                name: ident(&m.name),
                doc: m.doc.clone(),
                oneway: iface.oneway || m.oneway,
                code,
                args,
                ret,
                ret_rust,
                ret_utf8: m.ret.is_utf8(),
            }
        })
        .collect()
}

fn signature(m: &MethodInfo) -> String {
    let mut params = vec!["&self".to_string()];
    params.extend(m.args.iter().map(|a| format!("{}: {}", a.name, a.sig)));
    format!(
        "fn {}({}) -> ::ipc_core::BinderResult<{}>",
        m.name,
        params.join(", "),
        m.ret_rust
    )
}

fn utf8(expr: &str, on: bool) -> String {
    if on {
        format!("&::ipc_core::codegen::Utf8({expr})")
    } else {
        expr.to_string()
    }
}

pub(super) fn emit(
    ctx: &Ctx<'_, '_>,
    options: &Options,
    decl: &Decl,
    iface: &Interface,
    w: &mut Writer,
) {
    let trait_name = ident(&decl.name);
    let bp = format!("Bp{}", stem(&decl.name));
    let bn = format!("Bn{}", stem(&decl.name));
    let descriptor = decl
        .annotation("Descriptor")
        .and_then(|a| a.param("value"))
        .and_then(|e| match &e.kind {
            ExprKind::Str(s) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| decl.qualified_name.clone());
    let mut methods = method_infos(ctx, iface);
    let mut meta = Vec::new();
    if let Some(v) = options.version {
        meta.push((
            "getInterfaceVersion",
            "i32",
            "0x00ff_ffff",
            format!("pub const VERSION: i32 = {v};"),
            "Ok(VERSION)",
        ));
    }
    if let Some(h) = &options.hash {
        meta.push((
            "getInterfaceHash",
            "String",
            "0x00ff_fffe",
            format!("pub const HASH: &str = {h:?};"),
            "Ok(HASH.into())",
        ));
    }

    w.blank();
    w.line(format!("pub const DESCRIPTOR: &str = {descriptor:?};"));
    for (_, _, _, konst, _) in &meta {
        w.line(konst);
    }

    // The trait.
    w.blank();
    w.doc(decl.doc.as_deref());
    w.open(format!("pub trait {trait_name}: ::ipc_core::Interface {{"));
    for m in &methods {
        w.doc(m.doc.as_deref());
        w.line(format!("{};", signature(m)));
    }
    for (name, ty, _, _, body) in &meta {
        w.line(format!(
            "/// Answered by the stub from the constant generated with `aidlc --{}`.",
            if *ty == "i32" { "version" } else { "hash" }
        ));
        w.open(format!(
            "fn {name}(&self) -> ::ipc_core::BinderResult<{ty}> {{"
        ));
        w.line(*body);
        w.close("}");
    }
    w.close("}");

    // Transaction codes.
    w.blank();
    w.open("pub mod transactions {");
    for m in &methods {
        w.line(format!(
            "pub const {}: ::ipc_core::TransactionCode = {};",
            m.name, m.code
        ));
    }
    for (name, _, code, _, _) in &meta {
        w.line(format!(
            "pub const {name}: ::ipc_core::TransactionCode = {code};"
        ));
    }
    w.close("}");

    // Meta methods are ordinary two-way calls on the wire.
    for (name, ty, _, _, _) in &meta {
        let ret = if *ty == "i32" { Ty::Int } else { Ty::String };
        methods.push(MethodInfo {
            name: (*name).to_string(),
            doc: None,
            oneway: false,
            code: String::new(),
            args: Vec::new(),
            ret,
            ret_rust: (*ty).to_string(),
            ret_utf8: false,
        });
    }
    proxy::emit(ctx, &trait_name, &bp, &methods, w);
    stub::emit(&trait_name, &bn, &methods, w);

    w.blank();
    w.open(format!(
        "impl ::ipc_core::FromIBinder for dyn {trait_name} {{"
    ));
    w.open(format!(
        "fn try_from(binder: ::ipc_core::SpIBinder) -> ::ipc_core::Result<::ipc_core::Strong<dyn {trait_name}>> {{"
    ));
    w.open(format!("if let Some(stub) = binder.local::<{bn}>() {{"));
    w.line("return Ok(::ipc_core::Strong::from_parts(stub.0.clone(), binder));");
    w.close("}");
    w.line("binder.check_interface(DESCRIPTOR)?;");
    w.line(format!(
        "let proxy = ::std::sync::Arc::new({bp} {{ binder: binder.clone() }});"
    ));
    w.line("Ok(::ipc_core::Strong::from_parts(proxy, binder))");
    w.close("}");
    w.close("}");
}
