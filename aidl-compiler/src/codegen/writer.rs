//! A tiny indenting text writer for generated code.

/// Accumulates lines at the current indentation (4 spaces per level).
#[derive(Debug, Default)]
pub(crate) struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    /// Writes one line (empty lines get no trailing spaces).
    pub(crate) fn line(&mut self, text: impl AsRef<str>) {
        let text = text.as_ref();
        if !text.is_empty() {
            for _ in 0..self.depth {
                self.out.push_str("    ");
            }
            self.out.push_str(text);
        }
        self.out.push('\n');
    }

    /// An empty line, unless the previous line opened a block or was empty.
    pub(crate) fn blank(&mut self) {
        if !(self.out.is_empty() || self.out.ends_with("{\n") || self.out.ends_with("\n\n")) {
            self.out.push('\n');
        }
    }

    /// Writes `text` and indents what follows (`text` should end with `{`).
    pub(crate) fn open(&mut self, text: impl AsRef<str>) {
        self.line(text);
        self.depth += 1;
    }

    /// Dedents and writes `text` (usually `}`).
    pub(crate) fn close(&mut self, text: impl AsRef<str>) {
        self.depth = self.depth.saturating_sub(1);
        self.line(text);
    }

    /// Indents what follows without writing anything.
    pub(crate) fn depth_in(&mut self) {
        self.depth += 1;
    }

    /// Writes a doc comment converted from an AIDL `/** ... */` comment.
    /// A `@deprecated` tag in it becomes `#[deprecated]` (with its note).
    pub(crate) fn doc(&mut self, doc: Option<&str>) {
        let lines = doc_lines(doc);
        for l in &lines {
            if l.is_empty() {
                self.line("///");
            } else {
                self.line(format!("/// {l}"));
            }
        }
        let note = lines
            .iter()
            .find_map(|l| l.strip_prefix("@deprecated").map(str::trim));
        match note {
            Some("") => self.line("#[deprecated]"),
            Some(note) => self.line(format!("#[deprecated = {note:?}]")),
            None => {}
        }
    }

    /// The text written so far.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// The text lines of a `/** ... */` comment, without the comment markers.
pub(crate) fn doc_lines(doc: Option<&str>) -> Vec<String> {
    let Some(doc) = doc else { return Vec::new() };
    let body = doc.trim().trim_start_matches("/**").trim_end_matches("*/");
    let mut lines: Vec<String> = body
        .lines()
        .map(|l| {
            let t = l.trim();
            let t = t.strip_prefix('*').unwrap_or(t);
            t.strip_prefix(' ').unwrap_or(t).trim_end().to_string()
        })
        .collect();
    while lines.first().is_some_and(String::is_empty) {
        lines.remove(0);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_comments_lose_their_markers() {
        assert_eq!(doc_lines(Some("/** One. */")), ["One."]);
        assert_eq!(
            doc_lines(Some("/**\n * Two\n *\n * lines.\n */")),
            ["Two", "", "lines."]
        );
    }
}
