//! Enums: a newtype over the backing integer with one associated constant per
//! enumerator (any backing value stays representable, as on the wire).

use super::ident;
use super::types::Ctx;
use super::writer::Writer;
use crate::ast::*;
use crate::consteval::Value;

pub(super) fn emit(ctx: &Ctx<'_, '_>, decl: &Decl, w: &mut Writer) {
    let name = ident(&decl.name);
    let backing = ctx.base(&ctx.sema.backing(&decl.qualified_name));
    let values = ctx
        .sema
        .enum_values(&decl.qualified_name)
        .unwrap_or_default();
    let DeclKind::Enum(e) = &decl.kind else {
        return;
    };
    w.blank();
    w.doc(decl.doc.as_deref());
    w.line("#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]");
    w.line(format!("pub struct {name}(pub {backing});"));
    w.blank();
    w.open(format!("impl {name} {{"));
    for (en, (_, v)) in e.enumerators.iter().zip(&values) {
        let raw = match v {
            Value::Enum(_, _, inner) => inner.as_i64().unwrap_or(0),
            other => other.as_i64().unwrap_or(0),
        };
        w.doc(en.doc.as_deref());
        w.line(format!(
            "pub const {}: {name} = {name}({raw});",
            ident(&en.name)
        ));
    }
    w.blank();
    w.line("/// Every enumerator, in declaration order.");
    w.open(format!(
        "pub fn enum_values() -> [{name}; {}] {{",
        values.len()
    ));
    let all: Vec<String> = e
        .enumerators
        .iter()
        .map(|en| format!("{name}::{}", ident(&en.name)))
        .collect();
    w.line(format!("[{}]", all.join(", ")));
    w.close("}");
    w.close("}");
    w.blank();
    w.line(format!("::ipc_core::impl_enum!({name}, {backing});"));
}
