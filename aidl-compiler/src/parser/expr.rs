//! Constant expressions, literals and string escapes.

use super::{Ctx, MAX_EXPR_NODES, Rule};
use crate::ast::*;
use crate::diagnostics::Diagnostic;
use pest::iterators::Pair;

impl Ctx<'_> {
    pub(super) fn expr(&mut self, pair: Pair<'_, Rule>) -> ConstExpr {
        let span = self.span(&pair);
        let nodes = pair
            .clone()
            .into_inner()
            .flatten()
            .filter(|p| matches!(p.as_rule(), Rule::bin_op | Rule::unary_op))
            .count();
        if nodes > MAX_EXPR_NODES {
            self.errors.push(
                Diagnostic::error(span, "constant expression too complex").with_hint(format!(
                    "aidlc accepts at most {MAX_EXPR_NODES} operators in one expression"
                )),
            );
            return ConstExpr {
                kind: ExprKind::Bool(false),
                span,
            };
        }
        self.const_expr(pair)
    }

    fn const_expr(&mut self, pair: Pair<'_, Rule>) -> ConstExpr {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let Some(cond) = inner.next() else {
            return ConstExpr {
                kind: ExprKind::Bool(false),
                span,
            };
        };
        let cond = self.binary(cond);
        match (inner.next(), inner.next()) {
            (Some(a), Some(b)) => {
                let a = self.const_expr(a);
                let b = self.const_expr(b);
                ConstExpr {
                    kind: ExprKind::Ternary(Box::new(cond), Box::new(a), Box::new(b)),
                    span,
                }
            }
            _ => cond,
        }
    }

    /// Operator-precedence parsing of `unary (op unary)*`.
    fn binary(&mut self, pair: Pair<'_, Rule>) -> ConstExpr {
        let mut operands = Vec::new();
        let mut ops = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::unary_expr => operands.push(self.unary(p)),
                Rule::bin_op => ops.push(BinOp::from_symbol(p.as_str()).unwrap_or(BinOp::Add)),
                _ => {}
            }
        }
        // Shunting-yard: all operators are left-associative.
        let mut out: Vec<ConstExpr> = Vec::new();
        let mut stack: Vec<BinOp> = Vec::new();
        let mut operands = operands.into_iter();
        if let Some(first) = operands.next() {
            out.push(first);
        }
        for (op, rhs) in ops.into_iter().zip(operands) {
            while stack
                .last()
                .is_some_and(|top| top.precedence() >= op.precedence())
            {
                if let Some(top) = stack.pop() {
                    reduce(&mut out, top);
                }
            }
            stack.push(op);
            out.push(rhs);
        }
        while let Some(top) = stack.pop() {
            reduce(&mut out, top);
        }
        out.pop().unwrap_or(ConstExpr {
            kind: ExprKind::Bool(false),
            span: Span::new(self.file, 0, 0),
        })
    }

    fn unary(&mut self, pair: Pair<'_, Rule>) -> ConstExpr {
        let mut ops = Vec::new();
        let mut operand = None;
        for p in pair.into_inner() {
            if p.as_rule() == Rule::unary_op {
                let op = match p.as_str() {
                    "-" => UnOp::Neg,
                    "!" => UnOp::Not,
                    "~" => UnOp::BitNot,
                    _ => UnOp::Plus,
                };
                ops.push((op, p.as_span().start()));
            } else {
                operand = Some(self.primary(p));
            }
        }
        let Some(mut e) = operand else {
            return ConstExpr {
                kind: ExprKind::Bool(false),
                span: Span::new(self.file, 0, 0),
            };
        };
        for (op, start) in ops.into_iter().rev() {
            let span = Span::new(self.file, start, e.span.end);
            e = ConstExpr {
                kind: ExprKind::Unary(op, Box::new(e)),
                span,
            };
        }
        e
    }

    fn primary(&mut self, p: Pair<'_, Rule>) -> ConstExpr {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::int_lit | Rule::hex_lit => ExprKind::Int(p.as_str().to_string()),
            Rule::float_lit => ExprKind::Float(p.as_str().to_string()),
            Rule::bool_lit => ExprKind::Bool(p.as_str() == "true"),
            Rule::string_lit => ExprKind::Str(self.string_value(&p)),
            Rule::char_lit => {
                let s = self.string_value(&p);
                let mut units = s.encode_utf16();
                match (units.next(), units.next()) {
                    (Some(u), None) => ExprKind::Char(u),
                    _ => {
                        self.errors.push(Diagnostic::error(
                            span,
                            "char literal must be a single UTF-16 unit",
                        ));
                        ExprKind::Char(0)
                    }
                }
            }
            Rule::qualified_name => ExprKind::Ref(p.as_str().to_string()),
            Rule::paren_expr => match p.into_inner().next() {
                Some(e) => return self.const_expr(e),
                None => ExprKind::Bool(false),
            },
            Rule::array_lit => {
                ExprKind::Array(p.into_inner().map(|e| self.const_expr(e)).collect())
            }
            _ => ExprKind::Bool(false),
        };
        ConstExpr { kind, span }
    }
}

fn reduce(out: &mut Vec<ConstExpr>, op: BinOp) {
    let (Some(rhs), Some(lhs)) = (out.pop(), out.pop()) else {
        return;
    };
    let span = Span::new(lhs.span.file, lhs.span.start, rhs.span.end);
    out.push(ConstExpr {
        kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
        span,
    });
}

/// Resolves backslash escapes of a string or char literal body.
pub(super) fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some(other) => return Err(format!("unknown escape sequence `\\{other}`")),
            None => return Err("dangling backslash".into()),
        }
    }
    Ok(out)
}
