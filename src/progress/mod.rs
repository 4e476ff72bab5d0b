//! One event model for what rcompose reports while it works (`Container p-web-1  Started`), and
//! its renderers: tty (a live line per resource, with elapsed time and why it waits), plain,
//! json (one object per line) and quiet. Progress goes to stderr; stdout carries data only.

pub mod logs;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where a resource is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Working,
    Done,
    Warning,
    Error,
}

/// Something happened to a resource (`Container p-web-1`, `Network p_default`, `Image redis`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    /// Compose's words: Creating, Created, Starting, Started, Waiting, Healthy, Stopping...
    pub status: String,
    /// More: why it waits, a pull's layer progress, an error message.
    pub detail: String,
    pub state: State,
}

impl Event {
    pub fn working(id: &str, status: &str) -> Event {
        Event {
            id: id.into(),
            status: status.into(),
            detail: String::new(),
            state: State::Working,
        }
    }
    pub fn done(id: &str, status: &str) -> Event {
        Event {
            state: State::Done,
            ..Event::working(id, status)
        }
    }
    pub fn error(id: &str, detail: &str) -> Event {
        Event {
            detail: detail.into(),
            state: State::Error,
            ..Event::working(id, "Error")
        }
    }
    pub fn detail(mut self, d: impl Into<String>) -> Event {
        self.detail = d.into();
        self
    }
}

/// A BuildKit build's step (`#5 [app build 2/3] RUN make`) or a line of its output.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildEvent {
    /// The build's resource (`Image p-app`).
    pub id: String,
    pub service: String,
    /// Unique in the run, in the order steps first appeared.
    pub number: usize,
    /// `[build 2/3] RUN make`, `[internal] load build definition from Dockerfile`.
    pub name: String,
    pub what: BuildWhat,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BuildWhat {
    Started,
    Cached,
    /// Finished, after this many seconds.
    Done(f64),
    Error(String),
    Output(String),
}

impl BuildEvent {
    /// The step's name with the service in its brackets, as Compose shows it:
    /// `[app build 2/3] RUN make`.
    pub fn title(&self) -> String {
        match self.name.strip_prefix('[') {
            Some(rest) => format!("[{} {rest}", self.service),
            None => format!("[{}] {}", self.service, self.name),
        }
    }

    /// The plain line: `#5 [app build 2/3] RUN make`, `#5 CACHED`, `#5 DONE 3.1s`, `#5 text`.
    pub fn line(&self) -> String {
        let n = self.number;
        match &self.what {
            BuildWhat::Started => format!("#{n} {}", self.title()),
            BuildWhat::Cached => format!("#{n} CACHED"),
            BuildWhat::Done(s) => format!("#{n} DONE {s:.1}s"),
            BuildWhat::Error(e) => format!("#{n} ERROR: {e}"),
            BuildWhat::Output(t) => format!("#{n} {t}"),
        }
    }
}

/// Receives events; renderers implement it.
pub trait Progress: Send + Sync {
    fn event(&self, e: Event);
    /// A line that is not about a resource (a warning); shown above the live lines.
    fn message(&self, text: &str);
    /// A build's step or output: plain prints every one, tty shows the running step on the
    /// build's line (finished steps collapse into it), json gives an object each, quiet
    /// nothing.
    fn build(&self, b: BuildEvent) {
        let _ = b;
    }
    /// Stops live output (before logs are streamed, or at the end).
    fn finish(&self) {}
    /// A warning once the live output ended (a failed optional step): on stderr as is.
    fn warning(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
    }
    /// A question for the user, answered on stdin (`[y/N]` and the like ends `question`): on
    /// stderr, below what was shown so far.
    fn prompt(&self, question: &str) {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question} ").and_then(|_| err.flush());
    }
    /// A plan printed instead of run (`--dry-run`): data, on stdout.
    fn plan(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
    }
}

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

/// The renderer for a mode (`auto`: tty when stderr is a terminal, else plain).
pub fn renderer(mode: Mode, color: bool) -> Box<dyn Progress> {
    match mode {
        Mode::Quiet => Box::new(Quiet),
        Mode::Json => Box::new(Json),
        Mode::Plain => Box::new(Plain),
        Mode::Tty => Box::new(Tty::new(color)),
        Mode::Auto if std::io::stderr().is_terminal() => Box::new(Tty::new(color)),
        Mode::Auto => Box::new(Plain),
    }
}

/// No progress; warnings still reach stderr, as in Compose.
pub struct Quiet;

impl Progress for Quiet {
    fn event(&self, _: Event) {}
    fn message(&self, text: &str) {
        if text.starts_with("warning:") {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
}

/// A line per event: ` Container p-web-1  Started`.
pub struct Plain;

impl Progress for Plain {
    fn event(&self, e: Event) {
        let mut err = std::io::stderr().lock();
        let _ = if e.detail.is_empty() {
            writeln!(err, " {}  {}", e.id, e.status)
        } else {
            writeln!(err, " {}  {} {}", e.id, e.status, e.detail)
        };
    }
    fn message(&self, text: &str) {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }
    fn build(&self, b: BuildEvent) {
        let _ = writeln!(std::io::stderr().lock(), "{}", b.line());
    }
}

/// One JSON object per line: `{"id":"Container p-web-1","status":"Started"}`.
pub struct Json;

impl Progress for Json {
    fn event(&self, e: Event) {
        let mut v = serde_json::json!({"id": e.id, "status": e.status});
        if !e.detail.is_empty() {
            v["text"] = e.detail.into();
        }
        if e.state == State::Error {
            v["error"] = true.into();
        }
        let _ = writeln!(std::io::stderr().lock(), "{v}");
    }
    fn message(&self, text: &str) {
        let v = serde_json::json!({"level": "warning", "message": text});
        let _ = writeln!(std::io::stderr().lock(), "{v}");
    }
    fn build(&self, b: BuildEvent) {
        let (state, extra) = match &b.what {
            BuildWhat::Started => ("started", serde_json::Value::Null),
            BuildWhat::Cached => ("cached", serde_json::Value::Null),
            BuildWhat::Done(s) => ("done", serde_json::json!({"seconds": s})),
            BuildWhat::Error(e) => ("error", serde_json::json!({"error": e})),
            BuildWhat::Output(t) => ("output", serde_json::json!({"text": t})),
        };
        let mut step = serde_json::json!({"number": b.number, "name": b.title(), "state": state});
        if let serde_json::Value::Object(m) = extra {
            step.as_object_mut().expect("an object").extend(m);
        }
        let v = serde_json::json!({"id": b.id, "status": "Building", "build": step});
        let _ = writeln!(std::io::stderr().lock(), "{v}");
    }
}

/// Live lines, one per resource: a spinner while it works, its status, why it waits, elapsed.
pub struct Tty {
    multi: MultiProgress,
    lines: Mutex<HashMap<String, (ProgressBar, Instant)>>,
    color: bool,
}

impl Tty {
    pub fn new(color: bool) -> Tty {
        Tty {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            lines: Mutex::new(HashMap::new()),
            color,
        }
    }

    fn mark(&self, state: State) -> String {
        let (sym, style) = match state {
            State::Working => return String::new(),
            State::Done => ("✔", console::Style::new().green()),
            State::Warning => ("!", console::Style::new().yellow()),
            State::Error => ("✘", console::Style::new().red()),
        };
        if self.color {
            style.apply_to(sym).to_string()
        } else {
            sym.to_string()
        }
    }
}

fn elapsed(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

impl Progress for Tty {
    fn event(&self, e: Event) {
        let mut lines = self.lines.lock().expect("progress lock");
        let (bar, start) = lines.entry(e.id.clone()).or_insert_with(|| {
            let bar = self.multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template(" {spinner} {msg}")
                    .expect("a valid template")
                    .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            (bar, Instant::now())
        });
        let text = if e.detail.is_empty() {
            format!("{}  {}", e.id, e.status)
        } else {
            format!("{}  {} {}", e.id, e.status, e.detail)
        };
        match e.state {
            State::Working => bar.set_message(format!("{text}  {}", elapsed(start.elapsed()))),
            done => {
                let line = format!("{} {text}  {}", self.mark(done), elapsed(start.elapsed()));
                bar.set_style(ProgressStyle::with_template(" {msg}").expect("a valid template"));
                bar.finish_with_message(line);
            }
        }
    }
    fn message(&self, text: &str) {
        let _ = self.multi.println(text);
    }
    fn build(&self, b: BuildEvent) {
        // the running step shows on the build's line; finished ones give way to the next
        if b.what == BuildWhat::Started {
            let detail = format!("#{} {}", b.number, b.name);
            self.event(Event::working(&b.id, "Building").detail(detail));
        }
    }
    fn prompt(&self, question: &str) {
        // finished lines are printed for good and leave the live area, so that the question
        // and the typed answer below them are not drawn over when live lines come back
        let mut lines = self.lines.lock().expect("progress lock");
        lines.retain(|_, (bar, _)| {
            if !bar.is_finished() {
                return true;
            }
            let _ = self.multi.println(format!(" {}", bar.message()));
            self.multi.remove(bar);
            false
        });
        drop(lines);
        self.multi.suspend(|| {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{question} ").and_then(|_| err.flush());
        });
    }
    fn finish(&self) {
        // finished lines stay on screen; unfinished ones stop where they are
        for (bar, _) in self.lines.lock().expect("progress lock").values() {
            if !bar.is_finished() {
                bar.abandon();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_lines_name_the_service_as_compose_does() {
        let e = |name: &str, what| BuildEvent {
            id: "Image p-app".into(),
            service: "app".into(),
            number: 5,
            name: name.into(),
            what,
        };
        assert_eq!(
            e("[build 2/3] RUN make", BuildWhat::Started).line(),
            "#5 [app build 2/3] RUN make"
        );
        assert_eq!(
            e("[internal] load .dockerignore", BuildWhat::Started).line(),
            "#5 [app internal] load .dockerignore"
        );
        assert_eq!(e("x", BuildWhat::Done(3.06)).line(), "#5 DONE 3.1s");
        assert_eq!(e("x", BuildWhat::Cached).line(), "#5 CACHED");
        assert_eq!(e("x", BuildWhat::Output("hi".into())).line(), "#5 hi");
    }
}
