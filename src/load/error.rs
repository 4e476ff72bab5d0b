//! Load errors: one type for every stage, carrying file, line, column, key path and a hint.

use std::fmt;
use std::sync::Arc;

/// Where a node came from: a file (as the user named it), a 1-based line and column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl Span {
    pub fn new(file: Arc<str>, line: u32, col: u32) -> Span {
        Span { file, line, col }
    }

    /// A span for values that do not come from a file (defaults, command line).
    pub fn synthetic(what: &str) -> Span {
        Span {
            file: Arc::from(what),
            line: 0,
            col: 0,
        }
    }

    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_known() {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)
        } else {
            write!(f, "{}", self.file)
        }
    }
}

/// What kind of problem was found; tests and callers match on it, users read the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file could not be found or read.
    Io,
    /// The YAML itself is malformed (syntax, duplicate keys, alias bombs, bad merge keys).
    Yaml,
    /// `${...}` is malformed or a required variable is missing.
    Interpolation,
    /// A key the Compose specification does not know.
    UnknownKey,
    /// A value of the wrong type or shape.
    Type,
    /// A short syntax (ports, volumes, devices...) that does not parse.
    Syntax,
    /// A reference to something undefined (network, volume, secret, config, service).
    Undefined,
    /// A cycle in depends_on, extends or include.
    Cycle,
    /// Options or values that cannot be used together.
    Conflict,
    /// Bad use of the command line (exit code 2).
    Usage,
    /// A key the target cannot honour (a Swarm stack's).
    Unsupported,
}

/// A located error. `path` is the key path in the compose model, e.g. `services.web.ports[2]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Option<Span>,
    pub path: Option<String>,
    pub hint: Option<String>,
}

impl LoadError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> LoadError {
        LoadError {
            kind,
            message: message.into(),
            span: None,
            path: None,
            hint: None,
        }
    }

    pub fn at(mut self, span: &Span) -> LoadError {
        if self.span.is_none() {
            self.span = Some(span.clone());
        }
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> LoadError {
        if self.path.is_none() {
            let p = path.into();
            if !p.is_empty() {
                self.path = Some(p);
            }
        }
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> LoadError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = &self.span {
            write!(f, "{span}: ")?;
        }
        if let Some(path) = &self.path {
            write!(f, "{path}: ")?;
        }
        write!(f, "{}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Every error a load produced; validation collects several before giving up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadErrors(pub Vec<LoadError>);

impl From<LoadError> for LoadErrors {
    fn from(e: LoadError) -> Self {
        LoadErrors(vec![e])
    }
}

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}

/// The closest candidate to `word`, for did-you-mean hints.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

impl From<crate::graph::Cycle> for LoadError {
    fn from(c: crate::graph::Cycle) -> Self {
        LoadError::new(ErrorKind::Cycle, c.to_string())
            .path(c.path())
            .hint("remove one of these depends_on entries")
    }
}

/// Renders a path as `services.web.ports[2]`.
pub fn path_string(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        if p.starts_with('[') {
            s.push_str(p);
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(p);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(
            did_you_mean("imgae", ["image", "init", "ports"]),
            Some("image")
        );
        assert_eq!(
            did_you_mean("enviroment", ["environment", "entrypoint"]),
            Some("environment")
        );
        assert_eq!(did_you_mean("zzzzzz", ["image", "init"]), None);
    }

    #[test]
    fn renders_location_path_and_hint() {
        let e = LoadError::new(ErrorKind::UnknownKey, "unknown key `imgae`")
            .at(&Span::new(Arc::from("compose.yaml"), 3, 5))
            .path("services.web")
            .hint("did you mean `image`?");
        assert_eq!(
            e.to_string(),
            "compose.yaml:3:5: services.web: unknown key `imgae`\n  hint: did you mean `image`?"
        );
    }
}
