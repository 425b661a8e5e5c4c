//! Structured parcelables (structs) and unions (Rust enums), with `Default`
//! honouring declared defaults and the `Parcelable` impl ipc-core expects.

use super::ident;
use super::types::Ctx;
use super::writer::Writer;
use crate::ast::*;
use crate::check::flag;
use crate::consteval::Value;
use crate::types::Ty;
use std::collections::HashSet;

/// Everything needed to write one field or union member.
struct Member {
    name: String,
    rust: String,
    default: String,
    utf8: bool,
    doc: Option<String>,
    derivable: bool,
}

fn members(ctx: &Ctx<'_, '_>, decl: &Decl, p: &Parcelable) -> Vec<Member> {
    p.fields
        .iter()
        .map(|f| {
            let ty = ctx.resolve(&f.ty);
            let nullable = f.ty.is_nullable();
            let heap = f.ty.annotation("nullable").is_some_and(|a| flag(a, "heap"));
            let boxed = nullable && matches!(&ty, Ty::Defined(fqn, _) if heap || ctx.cycles.same(fqn, &decl.qualified_name));
            let (rust, nullable) = if boxed {
                (format!("Option<Box<{}>>", ctx.base(&ty)), true)
            } else if !nullable && ctx.needs_option_field(&ty) {
                // No default exists for these; the field is an Option like in AOSP's Rust backend.
                (format!("Option<{}>", ctx.base(&ty)), true)
            } else {
                (ctx.owned(&ty, nullable), nullable)
            };
            let value = f.default.as_ref().and_then(|e| ctx.sema.eval_as(e, &ctx.scope, &ty).ok());
            let default = match value {
                // A declared zero is the type's default anyway.
                Some(Value::Bool(false) | Value::Byte(0) | Value::Int(0) | Value::Long(0)) | None => {
                    ctx.default_expr(&ty, nullable)
                }
                Some(v) => ctx.literal(&v, &ty, nullable),
            };
            Member {
                name: ident(&f.name),
                rust,
                default,
                utf8: f.ty.is_utf8(),
                doc: f.doc.clone(),
                derivable: ctx.derivable(&ty),
            }
        })
        .collect()
}

fn derives(decl: &Decl, members: &[Member], default: bool) -> String {
    let mut list = vec!["Debug"];
    if default {
        list.push("Default");
    }
    let auto = members.iter().all(|m| m.derivable);
    let rust_derive = decl.annotation("RustDerive");
    let wants = |name: &str| rust_derive.is_some_and(|a| flag(a, name));
    for (name, default_on) in [
        ("Clone", auto),
        ("Copy", false),
        ("PartialEq", auto),
        ("Eq", false),
        ("PartialOrd", false),
        ("Ord", false),
        ("Hash", false),
    ] {
        if default_on || wants(name) {
            list.push(name);
        }
    }
    format!("#[derive({})]", list.join(", "))
}

/// `<T, U>` and the name with it.
fn generics(decl: &Decl) -> (String, String) {
    let params = decl.type_params();
    if params.is_empty() {
        (String::new(), ident(&decl.name))
    } else {
        let g = format!("<{}>", params.join(", "));
        (g.clone(), format!("{}{g}", ident(&decl.name)))
    }
}

/// `where` bounds making every member type serializable when it mentions a
/// generic parameter.
fn where_clause(decl: &Decl, members: &[Member]) -> String {
    let params = decl.type_params();
    if params.is_empty() {
        return String::new();
    }
    let mut seen = HashSet::new();
    let bounds: Vec<String> = members
        .iter()
        .filter(|m| {
            params.iter().any(|p| {
                m.rust
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == p)
            })
        })
        .filter(|m| seen.insert(m.rust.clone()))
        .map(|m| {
            format!(
                "{}: ::ipc_core::codegen::Serialize + ::ipc_core::codegen::Deserialize",
                m.rust
            )
        })
        .collect();
    if bounds.is_empty() {
        String::new()
    } else {
        format!(" where {}", bounds.join(", "))
    }
}

fn default_generics(decl: &Decl) -> String {
    let params = decl.type_params();
    if params.is_empty() {
        String::new()
    } else {
        format!(
            "<{}>",
            params
                .iter()
                .map(|p| format!("{p}: Default"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn metadata(decl: &Decl, w: &mut Writer) {
    let (g, name) = generics(decl);
    w.blank();
    w.open(format!(
        "impl{g} ::ipc_core::ParcelableMetadata for {name} {{"
    ));
    w.open("fn descriptor() -> &'static str {");
    w.line(format!("{:?}", decl.qualified_name));
    w.close("}");
    w.close("}");
    w.blank();
    w.line(format!("::ipc_core::impl_parcelable!({name});"));
}

pub(super) fn emit_struct(ctx: &Ctx<'_, '_>, decl: &Decl, p: &Parcelable, w: &mut Writer) {
    let ms = members(ctx, decl, p);
    let (g, name) = generics(decl);
    w.blank();
    w.doc(decl.doc.as_deref());
    // Derive `Default` when no member needs more than its type's default.
    let plain_default = ms.iter().all(|m| m.default == "Default::default()");
    w.line(derives(decl, &ms, plain_default));
    w.open(format!("pub struct {name} {{"));
    for m in &ms {
        w.doc(m.doc.as_deref());
        w.line(format!("pub {}: {},", m.name, m.rust));
    }
    w.close("}");

    if !plain_default {
        w.blank();
        w.open(format!(
            "impl{} Default for {name} {{",
            default_generics(decl)
        ));
        w.open("fn default() -> Self {");
        w.open("Self {");
        for m in &ms {
            w.line(format!("{}: {},", m.name, m.default));
        }
        w.close("}");
        w.close("}");
        w.close("}");
    }

    let param = if ms.is_empty() { "_" } else { "p" };
    w.blank();
    w.open(format!(
        "impl{g} ::ipc_core::Parcelable for {name}{} {{",
        where_clause(decl, &ms)
    ));
    w.open(
        "fn write_to_parcel(&self, parcel: &mut ::ipc_core::Parcel) -> ::ipc_core::Result<()> {",
    );
    w.open(format!("parcel.sized_write(|{param}| {{"));
    for m in &ms {
        if m.utf8 {
            w.line(format!(
                "p.write(&::ipc_core::codegen::Utf8(&self.{}))?;",
                m.name
            ));
        } else {
            w.line(format!("p.write(&self.{})?;", m.name));
        }
    }
    w.line("Ok(())");
    w.close("})");
    w.close("}");
    w.blank();
    w.open("fn read_from_parcel(&mut self, parcel: &mut ::ipc_core::Parcel) -> ::ipc_core::Result<()> {");
    w.open(format!("parcel.sized_read(|{param}| {{"));
    for m in &ms {
        w.open("if p.has_more_data() {");
        if m.utf8 {
            w.line(format!(
                "self.{} = p.read::<::ipc_core::codegen::Utf8<{}>>()?.0;",
                m.name, m.rust
            ));
        } else {
            w.line(format!("self.{} = p.read()?;", m.name));
        }
        w.close("}");
    }
    w.line("Ok(())");
    w.close("})");
    w.close("}");
    w.close("}");
    metadata(decl, w);
}

pub(super) fn emit_union(ctx: &Ctx<'_, '_>, decl: &Decl, p: &Parcelable, w: &mut Writer) {
    let ms = members(ctx, decl, p);
    let (g, name) = generics(decl);
    let bare = ident(&decl.name);
    w.blank();
    w.doc(decl.doc.as_deref());
    w.line(derives(decl, &ms, false));
    w.open(format!("pub enum {name} {{"));
    for m in &ms {
        w.doc(m.doc.as_deref());
        w.line(format!("{}({}),", m.name, m.rust));
    }
    w.close("}");

    w.blank();
    w.line("/// The tag written before the member, one per member in declaration order.");
    w.open("pub mod Tag {");
    for (i, m) in ms.iter().enumerate() {
        w.line(format!("pub const {}: i32 = {i};", m.name));
    }
    w.close("}");

    if let Some(first) = ms.first() {
        w.blank();
        w.open(format!(
            "impl{} Default for {name} {{",
            default_generics(decl)
        ));
        w.open("fn default() -> Self {");
        w.line(format!("{bare}::{}({})", first.name, first.default));
        w.close("}");
        w.close("}");
    }

    w.blank();
    w.open(format!(
        "impl{g} ::ipc_core::Parcelable for {name}{} {{",
        where_clause(decl, &ms)
    ));
    w.open(
        "fn write_to_parcel(&self, parcel: &mut ::ipc_core::Parcel) -> ::ipc_core::Result<()> {",
    );
    w.open("match self {");
    for m in &ms {
        w.open(format!("{bare}::{}(v) => {{", m.name));
        w.line(format!("parcel.write_i32(Tag::{});", m.name));
        if m.utf8 {
            w.line("parcel.write(&::ipc_core::codegen::Utf8(v))");
        } else {
            w.line("parcel.write(v)");
        }
        w.close("}");
    }
    w.close("}");
    w.close("}");
    w.blank();
    w.open("fn read_from_parcel(&mut self, parcel: &mut ::ipc_core::Parcel) -> ::ipc_core::Result<()> {");
    w.open("*self = match parcel.read_i32()? {");
    for m in &ms {
        if m.utf8 {
            w.line(format!(
                "Tag::{0} => {bare}::{0}(parcel.read::<::ipc_core::codegen::Utf8<{1}>>()?.0),",
                m.name, m.rust
            ));
        } else {
            w.line(format!("Tag::{0} => {bare}::{0}(parcel.read()?),", m.name));
        }
    }
    w.line("_ => return Err(::ipc_core::StatusCode::BAD_VALUE),");
    w.close("};");
    w.line("Ok(())");
    w.close("}");
    w.close("}");
    metadata(decl, w);
}
