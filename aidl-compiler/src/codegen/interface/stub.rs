//! The server stub `BnFoo`: checks the token, reads arguments, calls the
//! service and writes the status, results and `out` values.

use super::{ArgInfo, MethodInfo, utf8};
use crate::ast::Direction;
use crate::codegen::writer::Writer;
use crate::types::Ty;

pub(super) fn emit(trait_name: &str, bn: &str, methods: &[MethodInfo], w: &mut Writer) {
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
        let in_place_bytes = matches!(&a.ty, Ty::Array(inner) if **inner == Ty::Byte);
        match a.dir {
            // `in byte[]`: the service borrows the bytes where they lie in the
            // request (no copy, no allocation).
            Direction::In if in_place_bytes && a.nullable => {
                w.line(format!(
                    "let {} = data.read_byte_array_in_place()?;",
                    a.name
                ));
                call_args.push(format!("{}.map(|at| data.byte_array_at(at))", a.name));
            }
            Direction::In if in_place_bytes => {
                w.line(format!(
                    "let {} = data.read_byte_array_in_place()?.ok_or(::ipc_core::StatusCode::UNEXPECTED_NULL)?;",
                    a.name
                ));
                call_args.push(format!("data.byte_array_at({})", a.name));
            }
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
    // A returned `byte[]` that ends the reply leaves from its own buffer.
    let ends_with_bytes = m.ret != Ty::Void && outs.is_empty() && super::proxy::is_bytes(&m.ret);
    if ends_with_bytes && m.ret_rust == "Vec<u8>" {
        writes.push("reply.write_byte_array_owned(ret)".to_owned());
    } else if ends_with_bytes && m.ret_rust == "Option<Vec<u8>>" {
        writes.push(
            "match ret { Some(bytes) => reply.write_byte_array_owned(bytes), None => reply.write_byte_array(None) }"
                .to_owned(),
        );
    } else if m.ret != Ty::Void {
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
