//! Container output as Compose shows it: each line prefixed `web-1  | ` (as v2.40.3 prints it:
//! two spaces, no padding to the longest name; colours rotating per container), partial lines
//! held until they end.

use std::io::Write;
use std::sync::Mutex;

use console::Style;

/// Compose's prefix colours, in order: cyan, yellow, green, magenta, blue, then their bold forms.
fn palette(i: usize) -> Style {
    let base = match i % 5 {
        0 => Style::new().cyan(),
        1 => Style::new().yellow(),
        2 => Style::new().green(),
        3 => Style::new().magenta(),
        _ => Style::new().blue(),
    };
    if (i / 5) % 2 == 1 { base.bold() } else { base }
}

/// Prints the lines of many containers to stdout, one line at a time.
pub struct LogPrinter {
    color: bool,
    prefix: bool,
    out: Mutex<()>,
}

/// One container's side of the printer: its prefix and its unfinished line.
pub struct LogSink<'a> {
    printer: &'a LogPrinter,
    prefix: String,
    pending: Vec<u8>,
}

impl LogPrinter {
    pub fn new(color: bool, prefix: bool) -> LogPrinter {
        LogPrinter {
            color,
            prefix,
            out: Mutex::new(()),
        }
    }

    /// The sink of the `index`-th container named `name`.
    pub fn sink(&self, name: &str, index: usize) -> LogSink<'_> {
        let prefix = if self.prefix {
            let text = format!("{name}  | ");
            if self.color {
                palette(index).apply_to(text).to_string()
            } else {
                text
            }
        } else {
            String::new()
        };
        LogSink {
            printer: self,
            prefix,
            pending: Vec::new(),
        }
    }

    /// A line of rcompose's own about a container, without the `|` column:
    /// `web-1 exited with code 3` (the name in its colour).
    pub fn note(&self, name: &str, index: usize, text: &str) {
        let name = if self.color {
            palette(index).apply_to(name).to_string()
        } else {
            name.to_string()
        };
        self.emit("", format!("{name} {text}").as_bytes());
    }

    fn emit(&self, prefix: &str, line: &[u8]) {
        let _guard = self.out.lock().expect("log lock");
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(prefix.as_bytes());
        let _ = out.write_all(line);
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }
}

impl LogSink<'_> {
    /// Takes output as it comes; whole lines are printed.
    pub fn write(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        while let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = self.pending.drain(..=i).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            self.printer.emit(&self.prefix, &line);
        }
    }

    /// Prints what is left of an unfinished line.
    pub fn flush(&mut self) {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.printer.emit(&self.prefix, &line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_colours_rotate() {
        let p = LogPrinter::new(false, true);
        assert_eq!(p.sink("db-1", 1).prefix, "db-1  | ");
        assert_eq!(p.sink("webapp-1", 2).prefix, "webapp-1  | ");
        assert_eq!(palette(0), Style::new().cyan());
        assert_eq!(palette(5), Style::new().cyan().bold());
        assert_eq!(palette(11), Style::new().yellow());
    }
}
