//! Lexical pre-pass over a source file: recovers doc comments (the grammar
//! skips all comments) and rejects pathologically deep nesting before the
//! recursive-descent parser sees it.

/// A `/** ... */` comment: where it ends and its text.
#[derive(Debug, Clone)]
pub(crate) struct DocComment {
    pub(crate) end: usize,
    pub(crate) text: String,
}

/// Nesting beyond this is refused (no real AIDL file comes close).
pub(crate) const MAX_NESTING: usize = 64;

/// Result of the pre-pass.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) docs: Vec<DocComment>,
    /// Byte offset where nesting got too deep, if it did.
    pub(crate) too_deep: Option<usize>,
}

/// Scans `text` once.
pub(crate) fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut scan = Scan::default();
    let mut i = 0;
    let mut depth = 0usize; // ( [ {
    let mut angle = 0usize; // < and ? per statement
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        match b {
            b'/' if next == Some(b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if next == Some(b'*') => {
                let start = i;
                let end = text
                    .get(i + 2..)
                    .and_then(|rest| rest.find("*/"))
                    .map_or(bytes.len(), |p| i + 2 + p + 2);
                let is_doc = bytes.get(i + 2) == Some(&b'*') && end - start > 5;
                if is_doc && let Some(t) = text.get(start..end) {
                    scan.docs.push(DocComment {
                        end,
                        text: t.to_string(),
                    });
                }
                i = end;
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if b != b'[' {
                    angle = 0;
                }
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if b != b']' {
                    angle = 0;
                }
            }
            b'<' | b'?' => angle += 1,
            b'>' => angle = angle.saturating_sub(1),
            b';' => angle = 0,
            _ => {}
        }
        if (depth > MAX_NESTING || angle > MAX_NESTING) && scan.too_deep.is_none() {
            scan.too_deep = Some(i);
        }
        i += 1;
    }
    scan
}

/// The doc comment that ends right before `start` (only whitespace between).
pub(crate) fn doc_before(text: &str, docs: &[DocComment], start: usize) -> Option<String> {
    let idx = docs.partition_point(|d| d.end <= start);
    let doc = docs.get(idx.checked_sub(1)?)?;
    let between = text.get(doc.end..start)?;
    between
        .chars()
        .all(char::is_whitespace)
        .then(|| doc.text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_doc_comments_and_skips_others() {
        let t = "/* no */ // /** no */\n/** yes */ x \"/** no */\" /***/";
        let s = scan(t);
        assert_eq!(s.docs.len(), 1);
        assert_eq!(s.docs[0].text, "/** yes */");
        assert_eq!(
            doc_before(t, &s.docs, t.find(" x").unwrap() + 1).as_deref(),
            Some("/** yes */")
        );
    }

    #[test]
    fn deep_nesting_is_flagged() {
        let t = "(".repeat(100);
        assert!(scan(&t).too_deep.is_some());
        assert!(scan("List<List<int>> x;").too_deep.is_none());
    }
}
