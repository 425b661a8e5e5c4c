//! Syntax errors: a message naming what was found and what was expected, and
//! recovery so that several syntax errors of a file are reported.

use super::{AidlParser, Rule};
use crate::ast::{FileId, Span};
use crate::diagnostics::Diagnostic;
use pest::Parser as _;

/// At most this many syntax errors are reported per file.
const MAX_SYNTAX_ERRORS: usize = 10;

/// Reports the first syntax error, then looks for more: the statement holding
/// the error is blanked out (same length, so positions stay valid) and the text
/// parsed again, as long as each new error lies further on.
pub(super) fn syntax_errors(
    file: FileId,
    text: &str,
    first: &pest::error::Error<Rule>,
) -> Vec<Diagnostic> {
    let mut errors = vec![syntax_error(file, text, first)];
    let mut work = text.to_string();
    while errors.len() < MAX_SYNTAX_ERRORS {
        let Some(at) = errors.last().and_then(|d| d.span).map(|s| s.start) else {
            break;
        };
        let Some(blanked) = blank_statement(&work, at) else {
            break;
        };
        work = blanked;
        match AidlParser::parse(Rule::document, &work) {
            Ok(_) => break,
            Err(e) => {
                let d = syntax_error(file, &work, &e);
                if d.span.is_none_or(|s| s.start <= at) {
                    break;
                }
                errors.push(d);
            }
        }
    }
    errors
}

/// `text` with the statement around `at` replaced by spaces: from after the
/// previous `;`, `{` or `}` through the next `;` (or up to the next `}`).
fn blank_statement(text: &str, at: usize) -> Option<String> {
    let bytes = text.as_bytes();
    let at = at.min(bytes.len());
    let start = bytes[..at]
        .iter()
        .rposition(|b| matches!(b, b';' | b'{' | b'}'))
        .map_or(0, |i| i + 1);
    let rest = bytes.get(at..)?;
    let end = match rest.iter().position(|b| matches!(b, b';' | b'}')) {
        Some(i) if rest[i] == b';' => at + i + 1,
        Some(i) => at + i,
        None => bytes.len(),
    };
    if end <= start {
        return None;
    }
    let mut out = bytes.to_vec();
    for b in &mut out[start..end] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
    String::from_utf8(out).ok()
}

fn syntax_error(file: FileId, text: &str, e: &pest::error::Error<Rule>) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let pos = e.parse_attempts().map_or(pos, |a| a.max_position.max(pos));
    let pos = skip_trivia(text, pos);
    let found = text.get(pos..).and_then(|rest| {
        let c = rest.chars().next()?;
        if c.is_alphanumeric() || c == '_' {
            Some(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>(),
            )
        } else {
            Some(c.to_string())
        }
    });
    let mut expected: Vec<String> = Vec::new();
    if let Some(attempts) = e.parse_attempts() {
        for t in attempts.expected_tokens() {
            // `ParsingToken` is not exported by pest; literal tokens are the `Sensitive` ones.
            let text = t.to_string();
            let noise = text
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .is_empty()
                || text == "/*"
                || text == "//"
                || text.chars().all(|c| c.is_ascii_digit()); // the `0` of `0x`
            if format!("{t:?}").starts_with("Sensitive") && !noise {
                expected.push(format!("`{text}`"));
            }
        }
        for stack in attempts.call_stacks() {
            let rule = stack.parent.or(stack.deepest.get_rule().copied());
            if let Some(name) = rule.and_then(rule_name) {
                expected.push(name.to_string());
            }
        }
    }
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &e.variant {
        for r in positives {
            if let Some(name) = rule_name(*r) {
                expected.push(name.to_string());
            }
        }
    }
    expected.sort();
    expected.dedup();
    let found = match found {
        Some(f) if f.chars().all(|c| c.is_whitespace()) || f.is_empty() => {
            "end of line".to_string()
        }
        Some(f) => format!("`{f}`"),
        None => "end of file".to_string(),
    };
    let msg = if expected.is_empty() {
        format!("syntax error: unexpected {found}")
    } else {
        format!(
            "syntax error: unexpected {found}, expected {}",
            expected.join(", ")
        )
    };
    let end = text
        .get(pos..)
        .and_then(|r| r.chars().next())
        .map_or(pos, |c| pos + c.len_utf8());
    Diagnostic::error(Span::new(file, pos, end), msg)
}

/// Skips whitespace and comments from `pos`.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    loop {
        let Some(rest) = text.get(pos..) else {
            return pos;
        };
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        if trimmed.starts_with("//") {
            pos += trimmed.find('\n').unwrap_or(trimmed.len());
        } else if trimmed.starts_with("/*") {
            pos += trimmed
                .get(2..)
                .and_then(|r| r.find("*/"))
                .map_or(trimmed.len(), |p| p + 4);
        } else {
            return pos;
        }
    }
}

fn rule_name(r: Rule) -> Option<&'static str> {
    Some(match r {
        Rule::ident | Rule::qualified_name => "identifier",
        Rule::type_ref => "type",
        Rule::const_expr | Rule::binary_expr | Rule::unary_expr => "expression",
        Rule::decl => "declaration",
        Rule::annotation => "annotation",
        Rule::string_lit => "string literal",
        Rule::method_id | Rule::int_lit | Rule::hex_lit => "integer literal",
        Rule::bin_op => "operator",
        Rule::direction => "direction",
        Rule::kw_interface => "`interface`",
        Rule::kw_parcelable => "`parcelable`",
        Rule::kw_enum => "`enum`",
        Rule::kw_union => "`union`",
        Rule::kw_const => "`const`",
        Rule::kw_import => "`import`",
        Rule::kw_package => "`package`",
        Rule::EOI => "end of file",
        _ => return None,
    })
}
