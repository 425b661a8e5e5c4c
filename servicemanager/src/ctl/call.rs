//! `servicectl call`: Android `service call`-style typed arguments into a parcel, and
//! a readable dump of the reply.

use std::fmt::Write as _;

use anyhow::{Context, bail};
use ipc_core::{Parcel, ParcelFileDescriptor, Status};

/// Parses `ARGS` (`i32 N`, `i64 N`, `f N`, `d N`, `s16 STR`, `s8 STR`, `null`,
/// `fd PATH`) and writes them after the interface token for `descriptor`.
pub fn build_parcel(descriptor: &str, args: &[String]) -> anyhow::Result<Parcel> {
    let mut parcel = Parcel::new();
    parcel
        .write_interface_token(descriptor)
        .map_err(|e| anyhow::anyhow!("writing the interface token: {e}"))?;
    let mut words = args.iter();
    while let Some(kind) = words.next() {
        if kind == "null" {
            parcel
                .write_binder(None)
                .map_err(|e| anyhow::anyhow!("null: {e}"))?;
            continue;
        }
        let Some(value) = words.next() else {
            bail!("argument type {kind:?} needs a value");
        };
        let bad = |what: &str| format!("{kind} {value:?}: not {what}");
        let written = match kind.as_str() {
            "i32" => parcel.write(&parse_int::<i32>(value).with_context(|| bad("an i32"))?),
            "i64" => parcel.write(&parse_int::<i64>(value).with_context(|| bad("an i64"))?),
            "f" => parcel.write(&value.parse::<f32>().with_context(|| bad("a float"))?),
            "d" => parcel.write(&value.parse::<f64>().with_context(|| bad("a double"))?),
            "s16" => parcel.write_str16(value),
            "s8" => parcel.write_str8(value),
            "fd" => {
                let file = std::fs::File::open(value).with_context(|| format!("fd {value}"))?;
                parcel.write(&ParcelFileDescriptor::new(file))
            }
            other => bail!(
                "unknown argument type {other:?}: expected i32, i64, f, d, s16, s8, null or fd"
            ),
        };
        written.map_err(|e| anyhow::anyhow!("{kind} {value:?}: {e}"))?;
    }
    Ok(parcel)
}

/// Decimal, or hexadecimal with `0x`, with an optional `-`.
fn parse_int<T: TryFrom<i128>>(text: &str) -> anyhow::Result<T> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => i128::from_str_radix(hex, 16)?,
        None => digits.parse::<i128>()?,
    };
    let value = if negative { -magnitude } else { magnitude };
    T::try_from(value).map_err(|_| anyhow::anyhow!("out of range"))
}

/// The reply, for people: the AIDL status that leads it (when it parses as one),
/// then every 32-bit word in hex, as an `i32`, and as text.
pub fn describe_reply(reply: &mut Parcel) -> String {
    let mut out = String::new();
    let mut copy = Parcel::from_bytes(reply.data());
    match copy.read::<Status>() {
        Ok(status) => {
            let _ = writeln!(out, "Status: {status}");
            // A plain `int`/`long`/`String` result, when the rest is exactly that.
            let after = copy.data_position();
            let rest = reply.data().len() - after;
            if rest == 4 {
                if let Ok(v) = copy.read::<i32>() {
                    let _ = writeln!(out, "Result (as i32): {v}");
                }
            } else if rest == 8 {
                if let Ok(v) = copy.read::<i64>() {
                    let _ = writeln!(out, "Result (as i64): {v}");
                }
            } else if rest > 4 {
                if let Ok(Some(s)) = copy.read_string16()
                    && !copy.has_more_data()
                {
                    let _ = writeln!(out, "Result (as s16): {s:?}");
                }
                let mut again = Parcel::from_bytes(reply.data());
                if again.set_data_position(after).is_ok()
                    && let Ok(Some(s)) = again.read_string8()
                    && !again.has_more_data()
                {
                    let _ = writeln!(out, "Result (as s8): {s:?}");
                }
            }
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "Status: (the reply does not start with an AIDL status: {e})"
            );
        }
    }
    let _ = writeln!(
        out,
        "Reply parcel: {} bytes, {} objects",
        reply.data_size(),
        reply.object_count()
    );
    for (i, chunk) in reply.data().chunks(4).enumerate() {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        let value = i32::from_le_bytes(word);
        let text: String = chunk
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        let hex: String = chunk.iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(out, "  0x{:04x}: {hex:<8}  {value:>11}  '{text}'", i * 4);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_arguments_follow_the_token() {
        let args: Vec<String> = [
            "i32", "-7", "i64", "0x10", "f", "1.5", "d", "2.25", "s16", "hé", "s8", "hi", "null",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut p = build_parcel("x.IFoo", &args).unwrap();
        p.set_data_position(0).unwrap();
        p.enforce_interface("x.IFoo").unwrap();
        assert_eq!(p.read::<i32>().unwrap(), -7);
        assert_eq!(p.read::<i64>().unwrap(), 16);
        assert_eq!(p.read::<f32>().unwrap(), 1.5);
        assert_eq!(p.read::<f64>().unwrap(), 2.25);
        assert_eq!(p.read_string16().unwrap().as_deref(), Some("hé"));
        assert_eq!(p.read_string8().unwrap().as_deref(), Some("hi"));
        assert_eq!(p.read_binder().unwrap(), None);
        assert!(!p.has_more_data());
    }

    #[test]
    fn bad_arguments_are_one_line_errors() {
        for (args, needle) in [
            (vec!["i32"], "needs a value"),
            (vec!["i32", "x"], "not an i32"),
            (vec!["i32", "99999999999"], "not an i32"),
            (vec!["q", "1"], "unknown argument type"),
            (vec!["fd", "/nonexistent/file"], "fd /nonexistent/file"),
        ] {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let err = format!("{:#}", build_parcel("x", &args).unwrap_err());
            assert!(err.contains(needle), "{args:?}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn replies_are_described() {
        let mut reply = Parcel::new();
        reply.write(&Status::ok()).unwrap();
        reply.write(&42i32).unwrap();
        let text = describe_reply(&mut reply);
        assert!(text.contains("Status: OK"), "{text}");
        assert!(text.contains("Result (as i32): 42"), "{text}");
        assert!(text.contains("0x0004: 2a000000"), "{text}");
    }
}
