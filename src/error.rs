//! One error model for the command line and the library: [`Error`] carries the structured cause
//! (load errors with their locations, an engine that does not answer, a failed step with its
//! service, services not ready with their report...), knows its exit code, and is rendered for
//! people by one function ([`render`]): `error: ` first, the file:line:col and key path where
//! there are some, then a `hint:` line where one helps.

use std::fmt;

use crate::engine::EngineError;
use crate::exec::ExecError;
use crate::load::{ErrorKind, LoadErrors};
use crate::plan::PlanError;
use crate::ready::{Unready, Wait};

/// What went wrong; the message says which service and what rcompose was doing.
#[derive(Debug, Clone)]
pub enum Error {
    /// The compose files or the command line are invalid (each error with file, line, column
    /// and key path).
    Load(LoadErrors),
    /// The engine did not answer (`host` is where rcompose looked).
    Unreachable {
        /// Where it looked (`unix:///var/run/docker.sock`).
        host: String,
        /// What the connection said.
        message: String,
    },
    /// Planning refused the project before anything was touched.
    Plan(PlanError),
    /// A step of a plan failed: its service, what rcompose was doing, the engine's words.
    Step(ExecError),
    /// An engine call outside a plan failed.
    Engine {
        /// What rcompose was doing (`start container p-app-run-1`), when it says more than
        /// the engine's message.
        doing: Option<String>,
        /// The engine's error.
        source: EngineError,
    },
    /// Services were not ready: the first failure, and where each service not ready is.
    NotReady(NotReady),
    /// A wait of a test environment failed or timed out.
    Wait {
        /// The service waited for.
        service: String,
        /// What was awaited.
        wait: Wait,
        /// Why it did not pass (or where the container is at the time limit).
        reason: String,
        /// The service's last log lines (indented), empty when it printed nothing.
        logs: String,
    },
    /// A call about one service of a test environment failed, or there is no such service or
    /// port.
    Service {
        /// The service of the handle.
        service: String,
        /// What failed, with what rcompose was doing.
        message: String,
    },
    /// A value on the command line that cannot be used: `invalid --scale "x": ...`.
    Invalid {
        /// The flag (`--scale`), or what the value is (`time`, `port`).
        flag: String,
        /// The value as given.
        value: String,
        /// What was expected.
        why: String,
    },
    /// Reading or writing a local file, stdin or stdout failed.
    Io {
        /// What rcompose was doing (`cannot read stdin`).
        doing: String,
        /// The system's error.
        message: String,
    },
    /// What rcompose was doing when `source` happened (`tearing down p: ...`).
    During {
        /// What rcompose was doing (`tearing down p`).
        doing: String,
        /// What went wrong.
        source: Box<Error>,
    },
    /// Anything else, in words, with a hint where one helps.
    Message {
        /// What went wrong.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// An exit code without a message (`--exit-code-from`, a one-off's code, 130 when
    /// interrupted).
    Exit(i32),
}

/// The report of services that are not ready (`up --wait`, a test environment's `up`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotReady {
    /// What failed first: a step, or the time limit.
    pub failure: String,
    /// How long it waited, when the caller counts (`after 5.0s of --wait-timeout 5s`).
    pub after: Option<String>,
    /// Each container not ready: where it is, and its last log lines.
    pub services: Vec<Unready>,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.failure)?;
        if let Some(after) = &self.after {
            write!(f, " ({after})")?;
        }
        let mut report = String::new();
        for u in &self.services {
            report += &format!("  {u}\n");
            if !u.logs.is_empty() {
                report += &format!("  its last log lines:\n{}", u.logs);
            }
        }
        if !report.is_empty() {
            write!(f, "\n{}", report.trim_end())?;
        }
        Ok(())
    }
}

impl Error {
    /// An error in words.
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Message {
            message: message.into(),
            hint: None,
        }
    }

    /// An error in words with a hint.
    pub fn hinted(message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Message {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// `invalid --flag "value": why`.
    pub fn invalid(flag: &str, value: &str, why: impl fmt::Display) -> Error {
        Error::Invalid {
            flag: flag.to_string(),
            value: value.to_string(),
            why: why.to_string(),
        }
    }

    /// `doing: the I/O error`.
    pub fn io(doing: impl Into<String>, e: impl fmt::Display) -> Error {
        Error::Io {
            doing: doing.into(),
            message: e.to_string(),
        }
    }

    /// An engine call that failed while doing `doing`.
    pub fn engine(doing: impl Into<String>, source: EngineError) -> Error {
        Error::Engine {
            doing: Some(doing.into()),
            source,
        }
    }

    /// This error as the cause of something rcompose was doing.
    pub fn during(self, doing: impl Into<String>) -> Error {
        Error::During {
            doing: doing.into(),
            source: Box::new(self),
        }
    }

    /// The process's exit code: 2 for bad usage, the code itself for [`Error::Exit`], else 1.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Load(e) if e.0.iter().all(|x| x.kind == ErrorKind::Usage) => 2,
            Error::Exit(code) => *code,
            Error::During { source, .. } => source.exit_code(),
            _ => 1,
        }
    }

    /// What to do about it, where rcompose knows.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Unreachable { .. } => Some(
                "is the engine running (`docker info`)? Point DOCKER_HOST at it (unix:///path/to/docker.sock or tcp://host:port)",
            ),
            Error::Plan(e) => e.hint.as_deref(),
            Error::Step(e) => e.hint.as_deref(),
            Error::Message { hint, .. } => hint.as_deref(),
            Error::During { source, .. } => source.hint(),
            _ => None,
        }
    }

    /// The engine stopped answering (or never did).
    pub fn is_unreachable(&self) -> bool {
        match self {
            Error::Unreachable { .. } => true,
            Error::Step(e) => e.unreachable,
            Error::Engine { source, .. } => source.kind == crate::engine::ErrorKind::Unreachable,
            Error::During { source, .. } => source.is_unreachable(),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load(e) => f.write_str(render_load(e).trim_end()),
            Error::Unreachable { message, .. } => f.write_str(message),
            Error::Plan(e) => e.fmt(f),
            Error::Step(e) => e.fmt(f),
            Error::Engine { doing, source } => match doing {
                Some(d) => write!(f, "{d}: {}", source.message),
                None => f.write_str(&source.message),
            },
            Error::NotReady(r) => r.fmt(f),
            Error::Wait {
                service,
                wait,
                reason,
                logs,
            } => {
                write!(f, "service `{service}`: waiting for it {wait}: {reason}")?;
                if !logs.is_empty() {
                    write!(f, "\n  its last log lines:\n{}", logs.trim_end())?;
                }
                Ok(())
            }
            Error::Service { service, message } => write!(f, "service `{service}`: {message}"),
            Error::Invalid { flag, value, why } => write!(f, "invalid {flag} {value:?}: {why}"),
            Error::Io { doing, message } => write!(f, "{doing}: {message}"),
            Error::During { doing, source } => write!(f, "{doing}: {source}"),
            Error::Message { message, .. } => f.write_str(message),
            Error::Exit(code) => write!(f, "exit code {code}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<LoadErrors> for Error {
    fn from(e: LoadErrors) -> Self {
        Error::Load(e)
    }
}

impl From<crate::load::LoadError> for Error {
    fn from(e: crate::load::LoadError) -> Self {
        Error::Load(e.into())
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        Error::Plan(e)
    }
}

impl From<ExecError> for Error {
    fn from(e: ExecError) -> Self {
        Error::Step(e)
    }
}

impl From<EngineError> for Error {
    fn from(source: EngineError) -> Self {
        Error::Engine {
            doing: None,
            source,
        }
    }
}

/// `text`, then its hint on a line of its own.
pub fn with_hint(text: &str, hint: Option<&str>) -> String {
    match hint {
        Some(h) => format!("{text}\n  hint: {h}"),
        None => text.to_string(),
    }
}

/// The text printed for an error: `error: ...` and a `hint:` line; one block per load error;
/// nothing for a bare exit code.
pub fn render(e: &Error) -> String {
    match e {
        Error::Load(e) => render_load(e),
        Error::Exit(_) => String::new(),
        e => format!("error: {}\n", with_hint(&e.to_string(), e.hint())),
    }
}

/// Load errors: `error: file:line:col: key.path: message` and a hint, one block per error.
fn render_load(e: &LoadErrors) -> String {
    let mut s = String::new();
    for err in &e.0 {
        s += "error: ";
        if let Some(span) = &err.span {
            s += &format!("{span}: ");
        }
        if let Some(path) = &err.path {
            s += &format!("{path}: ");
        }
        s += &format!("{}\n", with_hint(&err.message, err.hint.as_deref()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::LoadError;

    #[test]
    fn errors_render_with_their_hints_and_exit_codes() {
        let e = Error::hinted(
            "service `web`: start container p-web-1: port taken",
            "stop it",
        );
        assert_eq!(
            render(&e),
            "error: service `web`: start container p-web-1: port taken\n  hint: stop it\n"
        );
        assert_eq!(e.exit_code(), 1);
        let usage = LoadError::new(ErrorKind::Usage, "unknown flag").hint("see --help");
        let e = Error::Load(usage.into());
        assert_eq!(render(&e), "error: unknown flag\n  hint: see --help\n");
        assert_eq!(e.exit_code(), 2);
        assert_eq!(render(&Error::Exit(130)), "");
        assert_eq!(Error::Exit(130).exit_code(), 130);
        let e = Error::invalid("--scale", "web", "expected SERVICE=NUM");
        assert_eq!(
            e.to_string(),
            "invalid --scale \"web\": expected SERVICE=NUM"
        );
        let e = Error::Unreachable {
            host: "unix:///x".into(),
            message: "cannot reach the Docker Engine at unix:///x: refused".into(),
        }
        .during("tearing down p");
        assert!(e.is_unreachable());
        assert!(
            render(&e).contains("\n  hint: is the engine running"),
            "{}",
            render(&e)
        );
    }
}
