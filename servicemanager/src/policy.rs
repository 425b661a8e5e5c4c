//! The access policy: which uids may add and which may find which names.
//!
//! A policy file has one rule per line; `#` starts a comment:
//!
//! ```text
//! # action  name pattern    uids allowed
//! add       example.*       1000 media
//! find      example.*       *
//! add       vendor/?/audio  0
//! ```
//!
//! * *action* is `add` or `find` (`find` covers getService, checkService,
//!   waitForService, registerForNotifications, listServices and the debug dump).
//! * *name pattern* is a service name where `*` matches any run of characters
//!   (including `/`) and `?` any one character.
//! * *uids* are numbers, user names (resolved when the file is loaded) or `*` (anyone).
//!
//! For a call, the first rule (in file order) whose action is the call's and whose
//! pattern matches the name decides: allowed if the caller's uid is listed. When no
//! rule matches, the default applies: the daemon's own uid and root only. Those two
//! are always allowed: they can replace the daemon anyway. Without a policy file,
//! every name gets the default.

use std::fmt;
use std::path::Path;

/// What a caller wants to do with a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Register a service under the name.
    Add,
    /// Look the name up (or hear about it, or see it listed).
    Find,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Add => "add",
            Action::Find => "find",
        })
    }
}

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A line is not a rule.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Uids {
    Any,
    List(Vec<u32>),
}

#[derive(Debug, Clone)]
struct Rule {
    action: Action,
    pattern: String,
    uids: Uids,
    line: usize,
}

/// A loaded policy.
#[derive(Debug, Clone)]
pub struct Policy {
    rules: Vec<Rule>,
    /// The daemon's own uid, always allowed.
    owner: u32,
    source: String,
}

/// A decision, with the reason given to a denied caller and to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Refused, because of this.
    Deny(String),
}

impl Policy {
    /// The default policy (no file): the daemon's uid and root only.
    pub fn default_for(owner: u32) -> Policy {
        Policy {
            rules: Vec::new(),
            owner,
            source: "the default policy".to_owned(),
        }
    }

    /// Loads a policy file.
    pub fn load(path: &Path, owner: u32) -> Result<Policy, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Policy::parse(&text, &path.display().to_string(), owner)
    }

    /// Parses policy text; `source` names it in errors.
    pub fn parse(text: &str, source: &str, owner: u32) -> Result<Policy, PolicyError> {
        let mut rules = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let content = raw.split('#').next().unwrap_or_default();
            let mut words = content.split_whitespace();
            let Some(action) = words.next() else {
                continue;
            };
            let syntax = |message: String| PolicyError::Syntax {
                path: source.to_owned(),
                line,
                message,
            };
            let action = match action {
                "add" => Action::Add,
                "find" => Action::Find,
                other => {
                    return Err(syntax(format!(
                        "unknown action {other:?}: expected `add` or `find`"
                    )));
                }
            };
            let pattern = words
                .next()
                .ok_or_else(|| syntax("missing the name pattern".to_owned()))?;
            if let Some(c) = pattern.chars().find(|c| {
                !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-' | '*' | '?'))
            }) {
                return Err(syntax(format!(
                    "pattern {pattern:?} contains {c:?}; allowed are A-Z a-z 0-9 . _ / - * ?"
                )));
            }
            let mut uids = Vec::new();
            let mut any = false;
            for word in words {
                if word == "*" {
                    any = true;
                } else if let Ok(uid) = word.parse::<u32>() {
                    uids.push(uid);
                } else {
                    match nix::unistd::User::from_name(word) {
                        Ok(Some(user)) => uids.push(user.uid.as_raw()),
                        _ => return Err(syntax(format!("unknown user {word:?}"))),
                    }
                }
            }
            if !any && uids.is_empty() {
                return Err(syntax(
                    "no uids: list numbers, user names or `*`".to_owned(),
                ));
            }
            rules.push(Rule {
                action,
                pattern: pattern.to_owned(),
                uids: if any { Uids::Any } else { Uids::List(uids) },
                line,
            });
        }
        Ok(Policy {
            rules,
            owner,
            source: source.to_owned(),
        })
    }

    /// How many rules the policy has.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the policy has no rules (the default applies to every name).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// May `uid` do `action` with `name`?
    pub fn check(&self, action: Action, name: &str, uid: u32) -> Decision {
        if uid == 0 || uid == self.owner {
            return Decision::Allow;
        }
        match self
            .rules
            .iter()
            .find(|r| r.action == action && glob_match(&r.pattern, name))
        {
            Some(rule) => match &rule.uids {
                Uids::Any => Decision::Allow,
                Uids::List(list) if list.contains(&uid) => Decision::Allow,
                Uids::List(_) => Decision::Deny(format!(
                    "uid {uid} may not {action} {name:?}: {}:{} (`{action} {}`) does not list it",
                    self.source, rule.line, rule.pattern
                )),
            },
            None => Decision::Deny(format!(
                "uid {uid} may not {action} {name:?}: no rule of {} matches, and by default \
                 only root and uid {} may",
                self.source, self.owner
            )),
        }
    }

    /// Whether an `add` rule names `name` (it is expected to be registered).
    pub fn declares(&self, name: &str) -> bool {
        self.rules
            .iter()
            .any(|r| r.action == Action::Add && glob_match(&r.pattern, name))
    }
}

/// Matches `name` against `pattern`, where `*` is any run of characters and `?` one.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut pi, mut ni) = (0, 0);
    // Where the last `*` was, and the name position it is currently matched up to.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "a/b.c"));
        assert!(glob_match("example.*", "example.echo"));
        assert!(!glob_match("example.*", "exampleXecho"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*b*d", "abcbd"));
        assert!(!glob_match("*b*d", "abcbde"));
        assert!(glob_match("vendor/*/audio", "vendor/x/y/audio"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("exact", "exactly"));
    }

    #[test]
    fn first_matching_rule_decides_and_default_is_owner_and_root() {
        let policy = Policy::parse(
            "# comment\n\
             add  test.private  1000 # trailing comment\n\
             add  test.*        1000 1001\n\
             find test.*        *\n",
            "p",
            500,
        )
        .unwrap();
        assert_eq!(policy.len(), 3);
        assert_eq!(policy.check(Action::Add, "test.x", 1001), Decision::Allow);
        assert!(matches!(
            policy.check(Action::Add, "test.private", 1001),
            Decision::Deny(r) if r.contains("p:2")
        ));
        assert_eq!(policy.check(Action::Find, "test.x", 4242), Decision::Allow);
        assert!(matches!(
            policy.check(Action::Find, "other", 4242),
            Decision::Deny(r) if r.contains("no rule")
        ));
        assert_eq!(policy.check(Action::Find, "other", 500), Decision::Allow);
        assert_eq!(policy.check(Action::Add, "other", 0), Decision::Allow);
        assert!(policy.declares("test.anything"));
        assert!(!policy.declares("other"));
    }

    #[test]
    fn syntax_errors_name_the_line() {
        for (text, needle) in [
            ("remove x 1", "unknown action"),
            ("add", "missing the name pattern"),
            ("add x", "no uids"),
            ("add a:b 1", "contains ':'"),
            ("\n\nfind x no-such-user-here", "p:3: unknown user"),
        ] {
            let err = Policy::parse(text, "p", 0).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn user_names_resolve() {
        let policy = Policy::parse("add x root", "p", 1).unwrap();
        assert_eq!(policy.rules[0].uids, Uids::List(vec![0]));
    }
}
