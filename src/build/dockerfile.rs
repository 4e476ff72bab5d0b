//! What rcompose reads in a Dockerfile's text, pure: the images it starts `FROM`, its stages,
//! the first line only BuildKit reads, where a BuildKit step is written, and a failed step's
//! report.

/// The first line of a Dockerfile that only BuildKit reads (`# syntax=`, `RUN --mount`,
/// `COPY --link`, here-documents...), with its number.
pub fn needs_buildkit(dockerfile: &str) -> Option<(usize, String)> {
    let flags = [
        "--mount",
        "--link",
        "--chmod",
        "--security",
        "--network",
        "--parents",
        "--exclude",
        "--checksum",
    ];
    for (i, line) in dockerfile.lines().enumerate() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        let directive = lower.starts_with('#')
            && lower[1..].trim_start().starts_with("syntax")
            && lower.contains('=');
        let words: Vec<&str> = t.split_whitespace().collect();
        let instruction = words
            .first()
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default();
        let flagged = matches!(instruction.as_str(), "RUN" | "COPY" | "ADD")
            && words[1..]
                .iter()
                .take_while(|w| w.starts_with("--"))
                .any(|w| flags.iter().any(|f| w.starts_with(f)));
        let heredoc = matches!(instruction.as_str(), "RUN" | "COPY")
            && words[1..]
                .iter()
                .any(|w| w.starts_with("<<") && w.len() > 2);
        if directive || flagged || heredoc {
            return Some((i + 1, t.to_string()));
        }
    }
    None
}

/// The line of the Dockerfile `text` where BuildKit's step `step` is written
/// (`[build 3/4] RUN make -j4`: the stage's instruction with that text; continuation lines
/// joined), 1-based.
pub fn locate(text: &str, step: &str) -> Option<usize> {
    let (stage, instruction) = match step.strip_prefix('[').and_then(|s| s.split_once("] ")) {
        Some((inside, rest)) => {
            let words: Vec<&str> = inside.split_whitespace().collect();
            let stage = (words.len() > 1).then(|| words[0].to_ascii_lowercase());
            (stage, rest)
        }
        None => (None, step),
    };
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let want = squash(instruction);
    // the instructions with their first line, continuation lines joined
    let mut instructions: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if pending.is_none() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        let (n, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        match t.strip_suffix('\\') {
            Some(part) => {
                acc.push_str(part);
                acc.push(' ');
                pending = Some((n, acc));
            }
            None => {
                acc.push_str(t);
                instructions.push((n, squash(&acc)));
            }
        }
    }
    let mut current: Option<String> = None;
    let mut index = 0usize;
    for (n, ins) in &instructions {
        let upper = ins.to_ascii_uppercase();
        if upper.starts_with("FROM ") {
            let words: Vec<&str> = ins.split_whitespace().collect();
            let named = words
                .iter()
                .position(|w| w.eq_ignore_ascii_case("as"))
                .and_then(|i| words.get(i + 1));
            current = Some(match named {
                Some(name) => name.to_ascii_lowercase(),
                None => format!("stage-{index}"),
            });
            index += 1;
        }
        let in_stage = match (&stage, &current) {
            (Some(s), Some(c)) => s == c,
            _ => true,
        };
        if in_stage && ins.eq_ignore_ascii_case(&want) {
            return Some(*n);
        }
    }
    None
}

/// A BuildKit step's name in words: `[build 3/4] RUN make` is "stage `build`, step 3/4
/// `RUN make`"; other names stay as they are.
pub fn step_words(step: &str) -> String {
    let Some((inside, rest)) = step.strip_prefix('[').and_then(|s| s.split_once("] ")) else {
        return step.to_string();
    };
    match inside.split_whitespace().collect::<Vec<_>>().as_slice() {
        [stage, n] if n.contains('/') => format!("stage `{stage}`, step {n} `{rest}`"),
        [n] if n.contains('/') => format!("step {n} `{rest}`"),
        _ => step.to_string(),
    }
}

/// The images a Dockerfile builds `FROM` (variables left as written).
pub fn from_images(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 5 && l[..5].eq_ignore_ascii_case("from "))
        .filter_map(|l| {
            l[5..]
                .split_whitespace()
                .find(|w| !w.starts_with("--"))
                .map(str::to_string)
        })
        .collect()
}

/// The stage names a Dockerfile declares (`FROM image AS name`), lowercased as the builder does.
pub fn stages(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 5 && l[..5].eq_ignore_ascii_case("from "))
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let i = words.iter().position(|w| w.eq_ignore_ascii_case("as"))?;
            words.get(i + 1).map(|w| w.to_ascii_lowercase())
        })
        .collect()
}

/// The report of a failed BuildKit step: the step in words, its Dockerfile line (`file`, whose
/// text is `text`), BuildKit's error and the step's last output lines.
pub fn failure(step: &str, error: &str, file: &str, text: &str, lines: &[String]) -> String {
    let at = match locate(text, step) {
        Some(line) => format!(" ({file}:{line})"),
        None => String::new(),
    };
    let mut message = format!("{}{at}: {error}", step_words(step));
    if !lines.is_empty() {
        message += "\n  its last output:";
        for l in lines {
            message += &format!("\n    {l}");
        }
    }
    message
}
