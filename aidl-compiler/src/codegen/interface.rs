//! Interfaces: the trait, `DESCRIPTOR`, transaction codes, the client proxy
//! `BpFoo`, the server stub `BnFoo` and the `FromIBinder` cast.

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
    emit_proxy(ctx, &trait_name, &bp, &methods, w);
    emit_stub(&trait_name, &bn, &methods, w);

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

fn emit_proxy(
    ctx: &Ctx<'_, '_>,
    trait_name: &str,
    bp: &str,
    methods: &[MethodInfo],
    w: &mut Writer,
) {
    w.blank();
    w.line(format!(
        "/// Client side of `{trait_name}`: marshals each call into a transaction."
    ));
    w.line("#[derive(Debug)]");
    w.open(format!("pub struct {bp} {{"));
    w.line("binder: ::ipc_core::SpIBinder,");
    w.close("}");
    w.blank();
    w.open(format!("impl {bp} {{"));
    w.line("/// Sends `data` and returns the reply positioned after an OK status.");
    w.open("fn call(&self, code: ::ipc_core::TransactionCode, data: ::ipc_core::Parcel) -> ::ipc_core::BinderResult<::ipc_core::Parcel> {");
    w.line("let mut reply = self.binder.transact(code, data, 0)?;");
    w.line("let status: ::ipc_core::Status = reply.read()?;");
    w.open("if !status.is_ok() {");
    w.line("return Err(status);");
    w.close("}");
    w.line("Ok(reply)");
    w.close("}");
    w.close("}");
    w.blank();
    w.line(format!("impl ::ipc_core::Interface for {bp} {{}}"));
    w.blank();
    w.open(format!("impl {trait_name} for {bp} {{"));
    for (i, m) in methods.iter().enumerate() {
        if i > 0 {
            w.blank();
        }
        w.open(format!("{} {{", signature(m)));
        w.line("let mut data = ::ipc_core::Parcel::new();");
        w.line("data.write_interface_token(DESCRIPTOR)?;");
        for a in &m.args {
            match a.dir {
                Direction::In if ctx.by_value(&a.ty) => {
                    w.line(format!("data.write(&{})?;", a.name))
                }
                Direction::In if a.nullable && ctx.nullable_capable(&a.ty) => {
                    w.line(format!(
                        "data.write({})?;",
                        utf8(&format!("&{}", a.name), a.utf8)
                    ));
                }
                Direction::In => w.line(format!("data.write({})?;", utf8(&a.name, a.utf8))),
                Direction::InOut => w.line(format!(
                    "data.write({})?;",
                    utf8(&format!("&*{}", a.name), a.utf8)
                )),
                Direction::Out => match &a.ty {
                    Ty::Array(_) if a.nullable => {
                        w.line(format!("data.write_slice_size({}.as_deref())?;", a.name))
                    }
                    Ty::Array(_) => w.line(format!(
                        "data.write_slice_size(Some({}.as_slice()))?;",
                        a.name
                    )),
                    _ => {}
                },
            }
        }
        let code = format!("transactions::{}", m.name);
        if m.oneway {
            w.line(format!(
                "self.binder.transact({code}, data, ::ipc_core::FLAG_ONEWAY)?;"
            ));
            w.line("Ok(())");
            w.close("}");
            continue;
        }
        let outs: Vec<&ArgInfo> = m.args.iter().filter(|a| a.dir != Direction::In).collect();
        if m.ret == Ty::Void && outs.is_empty() {
            w.line(format!("self.call({code}, data)?;"));
            w.line("Ok(())");
            w.close("}");
            continue;
        }
        w.line(format!("let mut reply = self.call({code}, data)?;"));
        if m.ret != Ty::Void {
            if m.ret_utf8 {
                w.line(format!(
                    "let ret: {0} = reply.read::<::ipc_core::codegen::Utf8<{0}>>()?.0;",
                    m.ret_rust
                ));
            } else {
                w.line(format!("let ret: {} = reply.read()?;", m.ret_rust));
            }
        }
        for a in outs {
            if a.utf8 {
                w.line(format!(
                    "*{} = reply.read::<::ipc_core::codegen::Utf8<{}>>()?.0;",
                    a.name, a.owned
                ));
            } else {
                w.line(format!("reply.read_onto({})?;", a.name));
            }
        }
        w.line(if m.ret == Ty::Void {
            "Ok(())"
        } else {
            "Ok(ret)"
        });
        w.close("}");
    }
    w.close("}");
}

fn emit_stub(trait_name: &str, bn: &str, methods: &[MethodInfo], w: &mut Writer) {
    w.blank();
    w.line(format!(
        "/// Server side of `{trait_name}`: dispatches transactions to a service."
    ));
    w.line(format!(
        "pub struct {bn}(::std::sync::Arc<dyn {trait_name}>);"
    ));
    w.blank();
    w.open(format!("impl {bn} {{"));
    w.line("/// Wraps `service` in a local binder object.");
    w.open(format!(
        "pub fn new_binder<T: {trait_name}>(service: T) -> ::ipc_core::Strong<dyn {trait_name}> {{"
    ));
    w.line(format!(
        "let service: ::std::sync::Arc<dyn {trait_name}> = ::std::sync::Arc::new(service);"
    ));
    w.line(format!(
        "let binder = ::ipc_core::SpIBinder::new_local({bn}(service.clone()));"
    ));
    w.line("::ipc_core::Strong::from_parts(service, binder)");
    w.close("}");
    w.close("}");
    w.blank();
    w.open(format!("impl ::std::fmt::Debug for {bn} {{"));
    w.open("fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {");
    w.line(format!("f.write_str({bn:?})"));
    w.close("}");
    w.close("}");
    w.blank();
    w.line("/// Writes the reply of a two-way call: the status, then (when OK) what");
    w.line("/// `write_results` writes.");
    w.open("fn reply_with<T>(");
    w.line("reply: &mut ::ipc_core::Parcel,");
    w.line("result: ::ipc_core::BinderResult<T>,");
    w.line("write_results: impl FnOnce(&mut ::ipc_core::Parcel, T) -> ::ipc_core::Result<()>,");
    w.close(") -> ::ipc_core::Result<()> {");
    w.depth_in();
    w.open("match result {");
    w.open("Ok(ret) => {");
    w.line("reply.write(&::ipc_core::Status::ok())?;");
    w.line("write_results(reply, ret)");
    w.close("}");
    w.line("Err(status) => reply.write(&status),");
    w.close("}");
    w.close("}");
    w.blank();
    let data = if methods.is_empty() { "_data" } else { "data" };
    let reply = if methods.iter().all(|m| m.oneway) {
        "_reply"
    } else {
        "reply"
    };
    w.open(format!("impl ::ipc_core::Remotable for {bn} {{"));
    w.open("fn descriptor() -> &'static str {");
    w.line("DESCRIPTOR");
    w.close("}");
    w.blank();
    let code = if methods.is_empty() { "_code" } else { "code" };
    w.open(format!(
        "fn on_transact(&self, {code}: ::ipc_core::TransactionCode, {data}: &mut ::ipc_core::Parcel, {reply}: &mut ::ipc_core::Parcel) -> ::ipc_core::Result<()> {{"
    ));
    if methods.is_empty() {
        w.line("Err(::ipc_core::StatusCode::UNKNOWN_TRANSACTION)");
    } else {
        w.line("let service = &*self.0;");
        w.open("match code {");
        for m in methods {
            stub_arm(m, w);
        }
        w.line("_ => Err(::ipc_core::StatusCode::UNKNOWN_TRANSACTION),");
        w.close("}");
    }
    w.close("}");
    w.close("}");
}

fn stub_arm(m: &MethodInfo, w: &mut Writer) {
    w.open(format!("transactions::{} => {{", m.name));
    w.line("data.enforce_interface(DESCRIPTOR)?;");
    let mut call_args = Vec::new();
    for a in &m.args {
        let read = if a.utf8 {
            format!("data.read::<::ipc_core::codegen::Utf8<{}>>()?.0", a.owned)
        } else {
            "data.read()?".to_string()
        };
        match a.dir {
            Direction::In => {
                w.line(format!("let {}: {} = {read};", a.name, a.owned));
                let by_ref = !(a.ty.is_primitive() || a.sig == a.owned);
                call_args.push(match () {
                    _ if !by_ref => a.name.clone(),
                    _ if a.sig.starts_with("Option<")
                        && matches!(a.ty, Ty::String | Ty::List(_) | Ty::Array(_)) =>
                    {
                        format!("{}.as_deref()", a.name)
                    }
                    _ if a.sig.starts_with("Option<") => format!("{}.as_ref()", a.name),
                    _ => format!("&{}", a.name),
                });
            }
            Direction::Out => {
                w.line(format!(
                    "let mut {}: {} = {};",
                    a.name,
                    a.owned,
                    out_default(a)
                ));
                match &a.ty {
                    Ty::Array(_) if a.nullable => {
                        w.line(format!("data.resize_nullable_out_vec(&mut {})?;", a.name))
                    }
                    Ty::Array(_) => w.line(format!("data.resize_out_vec(&mut {})?;", a.name)),
                    _ => {}
                }
                call_args.push(format!("&mut {}", a.name));
            }
            Direction::InOut => {
                w.line(format!("let mut {}: {} = {read};", a.name, a.owned));
                call_args.push(format!("&mut {}", a.name));
            }
        }
    }
    let call = format!("service.{}({})", m.name, call_args.join(", "));
    if m.oneway {
        w.line(format!("let _ = {call};"));
        w.line("Ok(())");
        w.close("}");
        return;
    }
    w.line(format!("let result = {call};"));
    let outs: Vec<&ArgInfo> = m.args.iter().filter(|a| a.dir != Direction::In).collect();
    let ret_pat = if m.ret == Ty::Void { "()" } else { "ret" };
    let mut writes: Vec<String> = Vec::new();
    if m.ret != Ty::Void {
        writes.push(format!("reply.write({})", utf8("&ret", m.ret_utf8)));
    }
    for a in &outs {
        writes.push(format!(
            "reply.write({})",
            utf8(&format!("&{}", a.name), a.utf8)
        ));
    }
    match writes.as_slice() {
        [] => w.line("reply_with(reply, result, |_, ()| Ok(()))"),
        [one] => w.line(format!(
            "reply_with(reply, result, |reply, {ret_pat}| {one})"
        )),
        many => {
            w.open(format!("reply_with(reply, result, |reply, {ret_pat}| {{"));
            let last = many.len() - 1;
            for (i, s) in many.iter().enumerate() {
                w.line(if i == last {
                    s.clone()
                } else {
                    format!("{s}?;")
                });
            }
            w.close("})");
        }
    }
    w.close("}");
}

fn out_default(a: &ArgInfo) -> String {
    let mut ty = &a.ty;
    let mut depth = 0;
    while let (Ty::Fixed(inner, _), false) = (ty, a.nullable) {
        ty = inner;
        depth += 1;
    }
    let mut expr = "Default::default()".to_string();
    for _ in 0..depth {
        expr = format!("::std::array::from_fn(|_| {expr})");
    }
    expr
}
