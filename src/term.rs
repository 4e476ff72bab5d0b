//! The local terminal for interactive commands (`exec`, `run`, `attach`): raw mode while a
//! TTY session runs, the window size and its changes, and pumping a session's stdio.

use std::io::{IsTerminal, Write};

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine::{LogSource, Session};

/// Whether stdin is a terminal (a TTY is allocated by default then).
pub fn stdin_is_tty() -> bool {
    std::io::stdin().is_terminal()
}

/// Puts stdin's terminal in raw mode; the previous mode comes back when this is dropped.
pub struct RawMode {
    saved: Option<libc::termios>,
}

impl RawMode {
    pub fn enable() -> RawMode {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a zeroed termios that tcgetattr fills
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return RawMode { saved: None };
            }
            let saved = t;
            libc::cfmakeraw(&mut t);
            if libc::tcsetattr(0, libc::TCSANOW, &t) != 0 {
                return RawMode { saved: None };
            }
            RawMode { saved: Some(saved) }
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(t) = self.saved {
            // SAFETY: restores the mode read in `enable`
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, &t);
            }
        }
    }
}

/// The terminal's size (columns, rows) on stdout or stdin, if either is a terminal.
pub fn size() -> Option<(u16, u16)> {
    for fd in [1, 0, 2] {
        // SAFETY: TIOCGWINSZ fills a winsize
        unsafe {
            let mut w: libc::winsize = std::mem::zeroed();
            if libc::ioctl(fd, libc::TIOCGWINSZ, &mut w) == 0 && w.ws_col > 0 {
                return Some((w.ws_col, w.ws_row));
            }
        }
    }
    None
}

/// The bytes of a detach-key sequence: `ctrl-p,ctrl-q` → `[0x10, 0x11]`; `None` when invalid.
pub fn detach_keys(spec: &str) -> Option<Vec<u8>> {
    spec.split(',')
        .map(|k| {
            let k = k.trim();
            match k.strip_prefix("ctrl-") {
                Some(c) if c.len() == 1 => {
                    let b = c.as_bytes()[0].to_ascii_lowercase();
                    match b {
                        b'a'..=b'z' => Some(b - b'a' + 1),
                        b'@' => Some(0),
                        b'[' => Some(27),
                        b'\\' => Some(28),
                        b']' => Some(29),
                        b'^' => Some(30),
                        b'_' => Some(31),
                        _ => None,
                    }
                }
                None if k.len() == 1 => Some(k.as_bytes()[0]),
                _ => None,
            }
        })
        .collect()
}

/// Pumps a session: stdin into it (closing its stdin at our EOF) when `forward_stdin`, its
/// output to stdout and stderr, and on each window change `resize(cols, rows)`. Returns when
/// the output ends, or after our stdin typed the `detach` sequence (sent on: the engine
/// detaches).
pub async fn pump<F, Fut>(
    session: Session,
    forward_stdin: bool,
    tty: bool,
    detach: &[u8],
    resize: F,
) where
    F: Fn(u16, u16) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Session { mut output, input } = session;
    let mut input = input;
    let detach = detach.to_vec();
    let feeding = async move {
        if !forward_stdin {
            return false;
        }
        let mut stdin = tokio::io::stdin();
        let mut buf = vec![0u8; 8192];
        let mut recent: Vec<u8> = Vec::new();
        loop {
            match stdin.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if input.write_all(&buf[..n]).await.is_err() {
                        return false;
                    }
                    let _ = input.flush().await;
                    if !detach.is_empty() {
                        recent.extend_from_slice(&buf[..n]);
                        let keep = recent.len().saturating_sub(detach.len());
                        recent.drain(..keep);
                        if recent == detach {
                            return true;
                        }
                    }
                }
            }
        }
        // our stdin ended: the process's stdin ends too
        let _ = input.shutdown().await;
        // the output may still come: keep the connection's other half alive
        std::future::pending::<bool>().await
    };
    let mut winch =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change()).ok();
    if tty && let Some((c, r)) = size() {
        resize(c, r).await;
    }
    let printing = async {
        while let Some(Ok(chunk)) = output.next().await {
            let _ = match chunk.source {
                LogSource::Stderr if !tty => {
                    let mut e = std::io::stderr().lock();
                    e.write_all(&chunk.text).and_then(|_| e.flush())
                }
                _ => {
                    let mut o = std::io::stdout().lock();
                    o.write_all(&chunk.text).and_then(|_| o.flush())
                }
            };
        }
    };
    tokio::pin!(feeding);
    tokio::pin!(printing);
    let mut fed = false;
    loop {
        tokio::select! {
            _ = &mut printing => return,
            detached = &mut feeding, if !fed => {
                if detached {
                    return;
                }
                fed = true;
            }
            Some(()) = async { match winch.as_mut() { Some(w) => w.recv().await, None => None } }, if tty => {
                if let Some((c, r)) = size() {
                    resize(c, r).await;
                }
            }
        }
    }
}

/// A set of signals heard as one stream, each by the name the engine's kill takes. Listening
/// replaces the default (the process dying in the middle of a step): the command decides.
pub struct Signals {
    listening: Vec<(tokio::signal::unix::Signal, &'static str)>,
}

impl Signals {
    fn of(kinds: &[(tokio::signal::unix::SignalKind, &'static str)]) -> std::io::Result<Signals> {
        let listening = kinds
            .iter()
            .map(|&(kind, name)| Ok((tokio::signal::unix::signal(kind)?, name)))
            .collect::<std::io::Result<_>>()?;
        Ok(Signals { listening })
    }

    /// Ctrl-C and SIGTERM, the requests to stop: the command decides what to stop, and a second
    /// request kills.
    pub fn interrupts() -> std::io::Result<Signals> {
        use tokio::signal::unix::SignalKind;
        Signals::of(&[
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
        ])
    }

    /// The signals `run` passes on to its container while attached, as `docker run` does: the
    /// container decides what they mean (its exit code is then `run`'s).
    pub fn forwarded() -> std::io::Result<Signals> {
        use tokio::signal::unix::SignalKind;
        Signals::of(&[
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
            (SignalKind::quit(), "SIGQUIT"),
            (SignalKind::user_defined1(), "SIGUSR1"),
            (SignalKind::user_defined2(), "SIGUSR2"),
        ])
    }

    /// The next signal of the set.
    pub async fn recv(&mut self) -> &'static str {
        std::future::poll_fn(|cx| {
            for (signal, name) in &mut self.listening {
                if signal.poll_recv(cx).is_ready() {
                    return std::task::Poll::Ready(*name);
                }
            }
            std::task::Poll::Pending
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::detach_keys;

    #[test]
    fn detach_sequences_parse_like_dockers() {
        assert_eq!(detach_keys("ctrl-p,ctrl-q"), Some(vec![0x10, 0x11]));
        assert_eq!(detach_keys("ctrl-x"), Some(vec![0x18]));
        assert_eq!(detach_keys("a,ctrl-@"), Some(vec![b'a', 0]));
        assert_eq!(detach_keys("ctrl-1"), None);
        assert_eq!(detach_keys("meta-x"), None);
    }
}
