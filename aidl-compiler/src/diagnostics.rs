//! Diagnostics: errors and warnings pointing into source files, rendered as
//!
//! ```text
//! path:line:col: error: message
//!     <source line>
//!     <caret under the span>
//!   = hint: ...
//! ```

use crate::ast::{FileId, Span};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Source lines longer than this many characters are shown in part.
const WINDOW: usize = 160;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Reported, does not fail the run unless `-Werror`.
    Warning,
    /// Fails the run.
    Error,
}

/// One message about a place in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where (`None` for problems that are not about a source position).
    pub span: Option<Span>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when that is helpful.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            span: Some(span),
            message: message.into(),
            hint: None,
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            span: Some(span),
            message: message.into(),
            hint: None,
        }
    }

    /// An error without a source position (e.g. an unreadable file).
    pub fn global(message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            span: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as it was given or found (used in messages).
    pub path: PathBuf,
    /// The text.
    pub text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps a file's text.
    pub fn new(path: PathBuf, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self
            .line_starts
            .get(line.wrapping_sub(1))
            .copied()
            .unwrap_or(0);
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }
}

/// All files of a run, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile::new(path, text));
        self.files.len() - 1
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    /// The id of an already loaded path.
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path)
    }

    /// All files.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// Renders one diagnostic in the documented format (with a trailing newline).
    pub fn render(&self, d: &Diagnostic) -> String {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = String::new();
        let located = d.span.and_then(|s| self.get(s.file).map(|f| (s, f)));
        match located {
            Some((span, file)) => {
                let (line, col) = file.line_col(span.start);
                let _ = writeln!(
                    out,
                    "{}:{line}:{col}: {kind}: {}",
                    file.path.display(),
                    d.message
                );
                // Very long lines are cut to a window around the column.
                let full = file.line_text(line);
                let skip = if full.chars().count() > WINDOW {
                    (col - 1).saturating_sub(WINDOW / 2)
                } else {
                    0
                };
                let mut text: String = full.chars().skip(skip).take(WINDOW).collect();
                if skip > 0 {
                    text.insert_str(0, "...");
                }
                if full.chars().count() > skip + WINDOW {
                    text.push_str("...");
                }
                let col_in_text = col - skip + if skip > 0 { 3 } else { 0 };
                let _ = writeln!(out, "    {text}");
                let mut caret = String::from("    ");
                // Keep tabs so the caret lines up with the source line.
                for c in text.chars().take(col_in_text - 1) {
                    caret.push(if c == '\t' { '\t' } else { ' ' });
                }
                let (end_line, end_col) = file.line_col(span.end);
                let width = if end_line == line && end_col > col {
                    end_col - col
                } else {
                    1
                };
                let width = width
                    .min(text.chars().count().saturating_sub(col_in_text - 1))
                    .max(1);
                caret.push('^');
                caret.extend(std::iter::repeat_n('~', width - 1));
                let _ = writeln!(out, "{caret}");
            }
            None => {
                let _ = writeln!(out, "aidlc: {kind}: {}", d.message);
            }
        }
        if let Some(hint) = &d.hint {
            let _ = writeln!(out, "  = hint: {hint}");
        }
        out
    }
}

/// Collects the diagnostics of a run.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    seen: std::collections::HashSet<(Option<Span>, String)>,
}

impl Diagnostics {
    /// Records a diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        if self.seen.insert((d.span, d.message.clone())) {
            self.list.push(d);
        }
    }

    /// Records an error.
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.push(Diagnostic::error(span, message));
    }

    /// Records a warning.
    pub fn warning(&mut self, span: Span, message: impl Into<String>) {
        self.push(Diagnostic::warning(span, message));
    }

    /// Number of errors so far.
    pub fn error_count(&self) -> usize {
        self.list
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// Number of warnings so far.
    pub fn warning_count(&self) -> usize {
        self.list
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Everything, sorted by file and position (stable for equal positions).
    pub fn sorted(&self) -> Vec<Diagnostic> {
        let mut v = self.list.clone();
        v.sort_by_key(|d| d.span.map(|s| (s.file, s.start)));
        v
    }

    /// Everything, in the order reported.
    pub fn all(&self) -> &[Diagnostic] {
        &self.list
    }
}
