//! Constant-expression evaluation with AOSP's rules: C-like precedence,
//! integral promotion to at least `int`, the wider operand type wins, overflow
//! and division by zero are errors, comparisons and logic yield `boolean`,
//! `+` concatenates strings.

use crate::ast::{BinOp, ConstExpr, ExprKind, Span, UnOp};
use crate::diagnostics::Diagnostic;

/// The value of a constant expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `boolean`
    Bool(bool),
    /// `byte`
    Byte(i8),
    /// `int`
    Int(i32),
    /// `long`
    Long(i64),
    /// `float`
    Float(f32),
    /// `double`
    Double(f64),
    /// `char` (one UTF-16 unit)
    Char(u16),
    /// `String`
    Str(String),
    /// `{ ... }`
    Array(Vec<Value>),
    /// An enumerator: enum's qualified name, enumerator name, backing value.
    Enum(String, String, Box<Value>),
}

impl Value {
    /// A word for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Bool(_) => "boolean",
            Value::Byte(_) => "byte",
            Value::Int(_) => "int",
            Value::Long(_) => "long",
            Value::Float(_) => "float",
            Value::Double(_) => "double",
            Value::Char(_) => "char",
            Value::Str(_) => "String",
            Value::Array(_) => "array",
            Value::Enum(..) => "enum",
        }
    }

    /// The integral value, if integral (enumerators count as their backing value).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Byte(v) => Some(i64::from(*v)),
            Value::Int(v) => Some(i64::from(*v)),
            Value::Long(v) => Some(*v),
            Value::Enum(_, _, v) => v.as_i64(),
            _ => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(v) => Some(f64::from(*v)),
            Value::Double(v) => Some(*v),
            other => other.as_i64().map(|v| v as f64),
        }
    }

    /// Integral rank for promotion: byte promotes to int.
    fn int_rank(&self) -> Option<u8> {
        match self {
            Value::Byte(_) | Value::Int(_) => Some(1),
            Value::Long(_) => Some(2),
            Value::Enum(_, _, v) => v.int_rank(),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            other => other.as_i64().map(|v| v != 0),
        }
    }
}

/// Resolves names used in expressions (`FOO`, `IBar.FOO`, `Color.RED`).
pub trait Env {
    /// The value of the constant or enumerator `name`, referenced at `span`.
    fn lookup(&self, name: &str, span: Span) -> Result<Value, Diagnostic>;
}

/// Parses an integer literal as written, giving it AOSP's type.
pub fn int_literal(text: &str, span: Span) -> Result<Value, Diagnostic> {
    let err = || Diagnostic::error(span, format!("integer literal `{text}` is out of range"));
    let (body, suffix) = split_suffix(text);
    let (digits, radix) = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(h) => (h, 16),
        None => (body, 10),
    };
    let raw = u64::from_str_radix(digits, radix).map_err(|_| err())?;
    match suffix {
        "u8" => u8::try_from(raw)
            .map(|v| Value::Byte(v as i8))
            .map_err(|_| err()),
        "i8" => i8::try_from(raw).map(Value::Byte).map_err(|_| err()),
        "i32" if radix == 16 => u32::try_from(raw)
            .map(|v| Value::Int(v as i32))
            .map_err(|_| err()),
        "i32" => i32::try_from(raw).map(Value::Int).map_err(|_| err()),
        "l" | "L" | "i64" if radix == 16 => Ok(Value::Long(raw as i64)),
        "l" | "L" | "i64" => i64::try_from(raw).map(Value::Long).map_err(|_| err()),
        _ if radix == 16 => Ok(match u32::try_from(raw) {
            Ok(v) => Value::Int(v as i32),
            Err(_) => Value::Long(raw as i64),
        }),
        _ => match i32::try_from(raw) {
            Ok(v) => Ok(Value::Int(v)),
            Err(_) => i64::try_from(raw).map(Value::Long).map_err(|_| err()),
        },
    }
}

fn split_suffix(text: &str) -> (&str, &str) {
    for s in ["u8", "i8", "i32", "i64", "l", "L"] {
        if let Some(body) = text.strip_suffix(s) {
            return (body, s);
        }
    }
    (text, "")
}

/// Parses a floating-point literal (`f` suffix: `float`, otherwise `double`).
pub fn float_literal(text: &str, span: Span) -> Result<Value, Diagnostic> {
    let err = || Diagnostic::error(span, format!("bad floating-point literal `{text}`"));
    if let Some(body) = text.strip_suffix(['f', 'F']) {
        body.parse::<f32>().map(Value::Float).map_err(|_| err())
    } else {
        let body = text.strip_suffix(['d', 'D']).unwrap_or(text);
        body.parse::<f64>().map(Value::Double).map_err(|_| err())
    }
}

/// Evaluates `e`.
pub fn eval(e: &ConstExpr, env: &dyn Env) -> Result<Value, Diagnostic> {
    let span = e.span;
    match &e.kind {
        ExprKind::Int(t) => int_literal(t, span),
        ExprKind::Float(t) => float_literal(t, span),
        ExprKind::Bool(b) => Ok(Value::Bool(*b)),
        ExprKind::Char(c) => Ok(Value::Char(*c)),
        ExprKind::Str(s) => Ok(Value::Str(s.clone())),
        ExprKind::Ref(name) => env.lookup(name, span),
        ExprKind::Array(items) => items
            .iter()
            .map(|i| eval(i, env))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        ExprKind::Unary(op, a) => unary(*op, eval(a, env)?, span),
        ExprKind::Binary(op, a, b) => binary(*op, eval(a, env)?, eval(b, env)?, span),
        ExprKind::Ternary(c, a, b) => {
            let cv = eval(c, env)?;
            let cond = cv.as_bool().ok_or_else(|| {
                Diagnostic::error(
                    c.span,
                    format!(
                        "condition of `?:` must be boolean or integral, found {}",
                        cv.type_name()
                    ),
                )
            })?;
            // Both arms must be valid even though only one is used.
            let (av, bv) = (eval(a, env)?, eval(b, env)?);
            Ok(if cond { av } else { bv })
        }
    }
}

fn overflow(span: Span) -> Diagnostic {
    Diagnostic::error(span, "integer overflow in constant expression")
        .with_hint("use a long (suffix `L`) or a smaller value")
}

fn unary(op: UnOp, v: Value, span: Span) -> Result<Value, Diagnostic> {
    let bad = |v: &Value| {
        Diagnostic::error(
            span,
            format!(
                "operator `{}` cannot be applied to {}",
                op.symbol(),
                v.type_name()
            ),
        )
    };
    match op {
        UnOp::Not => v.as_bool().map(|b| Value::Bool(!b)).ok_or_else(|| bad(&v)),
        UnOp::Plus | UnOp::Neg | UnOp::BitNot => {
            if let Some(f) = match &v {
                Value::Float(f) => Some(Value::Float(if op == UnOp::Neg { -f } else { *f })),
                Value::Double(f) => Some(Value::Double(if op == UnOp::Neg { -f } else { *f })),
                _ => None,
            } {
                return if op == UnOp::BitNot {
                    Err(bad(&v))
                } else {
                    Ok(f)
                };
            }
            let rank = v.int_rank().ok_or_else(|| bad(&v))?;
            let x = v.as_i64().ok_or_else(|| bad(&v))?;
            if rank == 2 {
                match op {
                    UnOp::Neg => x
                        .checked_neg()
                        .map(Value::Long)
                        .ok_or_else(|| overflow(span)),
                    UnOp::BitNot => Ok(Value::Long(!x)),
                    _ => Ok(Value::Long(x)),
                }
            } else {
                let x = i32::try_from(x).map_err(|_| overflow(span))?;
                match op {
                    UnOp::Neg => x
                        .checked_neg()
                        .map(Value::Int)
                        .ok_or_else(|| overflow(span)),
                    UnOp::BitNot => Ok(Value::Int(!x)),
                    _ => Ok(Value::Int(x)),
                }
            }
        }
    }
}

fn binary(op: BinOp, a: Value, b: Value, span: Span) -> Result<Value, Diagnostic> {
    let mismatch = || {
        Diagnostic::error(
            span,
            format!(
                "operator `{}` cannot be applied to {} and {}",
                op.symbol(),
                a.type_name(),
                b.type_name()
            ),
        )
    };
    // Strings: concatenation and comparison.
    if let (Value::Str(x), Value::Str(y)) = (&a, &b) {
        return match op {
            BinOp::Add => Ok(Value::Str(format!("{x}{y}"))),
            BinOp::Eq => Ok(Value::Bool(x == y)),
            BinOp::Ne => Ok(Value::Bool(x != y)),
            BinOp::Lt => Ok(Value::Bool(x < y)),
            BinOp::Gt => Ok(Value::Bool(x > y)),
            BinOp::Le => Ok(Value::Bool(x <= y)),
            BinOp::Ge => Ok(Value::Bool(x >= y)),
            _ => Err(mismatch()),
        };
    }
    if matches!(op, BinOp::And | BinOp::Or) {
        let (Some(x), Some(y)) = (a.as_bool(), b.as_bool()) else {
            return Err(mismatch());
        };
        return Ok(Value::Bool(if op == BinOp::And { x && y } else { x || y }));
    }
    if let (Value::Bool(x), Value::Bool(y)) = (&a, &b) {
        return match op {
            BinOp::Eq => Ok(Value::Bool(x == y)),
            BinOp::Ne => Ok(Value::Bool(x != y)),
            BinOp::BitAnd => Ok(Value::Bool(*x & *y)),
            BinOp::BitOr => Ok(Value::Bool(*x | *y)),
            BinOp::BitXor => Ok(Value::Bool(*x ^ *y)),
            _ => Err(mismatch()),
        };
    }
    if let (Value::Char(x), Value::Char(y)) = (&a, &b) {
        return compare(op, x, y).ok_or_else(mismatch);
    }
    let is_float = |v: &Value| matches!(v, Value::Float(_) | Value::Double(_));
    if is_float(&a) || is_float(&b) {
        let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
            return Err(mismatch());
        };
        let double = matches!(a, Value::Double(_)) || matches!(b, Value::Double(_));
        if let Some(v) = compare(op, &x, &y) {
            return Ok(v);
        }
        let r = match op {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
            _ => return Err(mismatch()),
        };
        return Ok(if double {
            Value::Double(r)
        } else {
            Value::Float(r as f32)
        });
    }
    let (Some(ra), Some(rb)) = (a.int_rank(), b.int_rank()) else {
        return Err(mismatch());
    };
    let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) else {
        return Err(mismatch());
    };
    if let Some(v) = compare(op, &x, &y) {
        return Ok(v);
    }
    if ra.max(rb) == 2 {
        long_op(op, x, y, span).map(Value::Long)
    } else {
        let (x, y) = (
            i32::try_from(x).map_err(|_| overflow(span))?,
            i32::try_from(y).map_err(|_| overflow(span))?,
        );
        int_op(op, x, y, span).map(Value::Int)
    }
}

fn compare<T: PartialOrd>(op: BinOp, x: &T, y: &T) -> Option<Value> {
    Some(Value::Bool(match op {
        BinOp::Eq => x == y,
        BinOp::Ne => x != y,
        BinOp::Lt => x < y,
        BinOp::Gt => x > y,
        BinOp::Le => x <= y,
        BinOp::Ge => x >= y,
        _ => return None,
    }))
}

macro_rules! integral_op {
    ($name:ident, $t:ty, $bits:expr) => {
        fn $name(op: BinOp, x: $t, y: $t, span: Span) -> Result<$t, Diagnostic> {
            let div0 = || Diagnostic::error(span, "division by zero in constant expression");
            let shift = || {
                Diagnostic::error(
                    span,
                    format!("shift amount {y} is out of range for a {}-bit value", $bits),
                )
            };
            match op {
                BinOp::Add => x.checked_add(y).ok_or_else(|| overflow(span)),
                BinOp::Sub => x.checked_sub(y).ok_or_else(|| overflow(span)),
                BinOp::Mul => x.checked_mul(y).ok_or_else(|| overflow(span)),
                BinOp::Div if y == 0 => Err(div0()),
                BinOp::Rem if y == 0 => Err(div0()),
                BinOp::Div => x.checked_div(y).ok_or_else(|| overflow(span)),
                BinOp::Rem => x.checked_rem(y).ok_or_else(|| overflow(span)),
                BinOp::BitAnd => Ok(x & y),
                BinOp::BitOr => Ok(x | y),
                BinOp::BitXor => Ok(x ^ y),
                BinOp::Shl | BinOp::Shr => {
                    let n = u32::try_from(y)
                        .ok()
                        .filter(|n| *n < $bits)
                        .ok_or_else(shift)?;
                    // Like AOSP (and C on two's complement), `1 << 31` is the sign bit.
                    Ok(if op == BinOp::Shl {
                        x.wrapping_shl(n)
                    } else {
                        x >> n
                    })
                }
                _ => Err(Diagnostic::error(
                    span,
                    format!("operator `{}` is not arithmetic", op.symbol()),
                )),
            }
        }
    };
}
integral_op!(int_op, i32, 32);
integral_op!(long_op, i64, 64);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse;

    struct NoEnv;
    impl Env for NoEnv {
        fn lookup(&self, name: &str, span: Span) -> Result<Value, Diagnostic> {
            Err(Diagnostic::error(span, format!("unknown `{name}`")))
        }
    }

    fn ev(src: &str) -> Result<Value, String> {
        let doc = parse(0, &format!("interface I {{ const int X = {src}; }}"))
            .map_err(|e| format!("{e:?}"))?;
        let crate::ast::DeclKind::Interface(i) = &doc.decls[0].kind else {
            unreachable!()
        };
        eval(&i.consts[0].value, &NoEnv).map_err(|d| d.message)
    }

    #[test]
    fn precedence_and_promotion() {
        assert_eq!(ev("1 + 2 * 3"), Ok(Value::Int(7)));
        assert_eq!(ev("(1 + 2) * 3"), Ok(Value::Int(9)));
        assert_eq!(ev("1 << 31"), Ok(Value::Int(i32::MIN)));
        assert_eq!(ev("1L << 40"), Ok(Value::Long(1 << 40)));
        assert_eq!(ev("0xFFFFFFFF"), Ok(Value::Int(-1)));
        assert_eq!(ev("0xFFu8"), Ok(Value::Byte(-1)));
        assert_eq!(ev("-2147483648"), Ok(Value::Long(-2147483648)));
        assert_eq!(ev("1 == 1 && 2 > 1"), Ok(Value::Bool(true)));
        assert_eq!(ev("true ? 3 : 4"), Ok(Value::Int(3)));
        assert_eq!(ev("\"a\" + \"b\""), Ok(Value::Str("ab".into())));
        assert_eq!(ev("1.5f * 2"), Ok(Value::Float(3.0)));
        assert_eq!(ev("~0"), Ok(Value::Int(-1)));
        assert_eq!(ev("7 % 3 - 10 / 3"), Ok(Value::Int(-2)));
        assert_eq!(ev("1 | 6 ^ 3 & 5"), Ok(Value::Int(1 | (6 ^ 1))));
    }

    #[test]
    fn errors() {
        assert!(ev("2147483647 + 1").unwrap_err().contains("overflow"));
        assert!(ev("1 / 0").unwrap_err().contains("division by zero"));
        assert!(ev("1 << 32").unwrap_err().contains("shift"));
        assert!(ev("\"a\" - 1").unwrap_err().contains("cannot be applied"));
        assert!(
            ev("99999999999999999999")
                .unwrap_err()
                .contains("out of range")
        );
    }
}
