//! The client proxy `BpFoo`: marshals each call into a transaction.

use super::{ArgInfo, MethodInfo, signature, utf8};
use crate::ast::Direction;
use crate::codegen::types::Ctx;
use crate::codegen::writer::Writer;
use crate::types::Ty;

pub(super) fn emit(
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
    w.line("/// Sends `data` (then `tail`, a trailing `byte[]` sent without copying it into");
    w.line("/// the parcel) and returns the reply positioned after an OK status.");
    w.open("fn call(&self, code: ::ipc_core::TransactionCode, data: ::ipc_core::Parcel, tail: Option<&[u8]>) -> ::ipc_core::BinderResult<::ipc_core::Parcel> {");
    w.open("let mut reply = match tail {");
    w.line("Some(tail) => self.binder.transact_with_tail(code, data, tail, 0)?,");
    w.line("None => self.binder.transact(code, data, 0)?,");
    w.close("};");
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
        // A request that ends with an `in byte[]` sends it as the parcel's tail: its
        // bytes go from the caller's slice to the connection (a null one is written
        // as usual).
        let writes = |a: &&ArgInfo| a.dir != Direction::Out || matches!(a.ty, Ty::Array(_));
        let tail = m
            .args
            .iter()
            .rfind(writes)
            .filter(|a| a.dir == Direction::In && is_bytes(&a.ty));
        let tail_arg = match tail {
            Some(a) if a.nullable => a.name.clone(),
            Some(a) => format!("Some({})", a.name),
            None => "None".to_owned(),
        };
        for a in &m.args {
            if tail.is_some_and(|t| std::ptr::eq(t, a)) {
                if a.nullable {
                    w.open(format!("if {}.is_none() {{", a.name));
                    w.line("data.write_byte_array(None)?;");
                    w.close("}");
                }
                continue;
            }
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
            w.line(match tail {
                Some(a) if a.nullable => format!(
                    "match {0} {{ Some(tail) => self.binder.transact_with_tail({code}, data, tail, ::ipc_core::FLAG_ONEWAY)?, None => self.binder.transact({code}, data, ::ipc_core::FLAG_ONEWAY)? }};",
                    a.name
                ),
                Some(a) => format!(
                    "self.binder.transact_with_tail({code}, data, {}, ::ipc_core::FLAG_ONEWAY)?;",
                    a.name
                ),
                None => format!("self.binder.transact({code}, data, ::ipc_core::FLAG_ONEWAY)?;"),
            });
            w.line("Ok(())");
            w.close("}");
            continue;
        }
        let outs: Vec<&ArgInfo> = m.args.iter().filter(|a| a.dir != Direction::In).collect();
        if m.ret == Ty::Void && outs.is_empty() {
            w.line(format!("self.call({code}, data, {tail_arg})?;"));
            w.line("Ok(())");
            w.close("}");
            continue;
        }
        w.line(format!(
            "let mut reply = self.call({code}, data, {tail_arg})?;"
        ));
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

/// Whether `ty` is `byte[]`.
pub(super) fn is_bytes(ty: &Ty) -> bool {
    matches!(ty, Ty::Array(inner) if **inner == Ty::Byte)
}
