//! What `up` and `create` share: converging through the service layer, with Compose's question
//! for each volume whose configuration changed since it was created (`-y` answers yes to every
//! one) asked between the images and the plan.

use std::collections::BTreeSet;
use std::io::{BufRead, IsTerminal};

use crate::compose::{Compose, Converged, Images};
use crate::engine::Engine;
use crate::error::Error;
use crate::model::Project;
use crate::plan::{DivergedVolumes, UpOptions};

/// Images, the questions, then the `up` plan (`yes`: every diverged volume is recreated).
pub async fn converge<E: Engine>(
    compose: &Compose<E>,
    project: &Project,
    opts: &UpOptions,
    images: &Images,
    yes: bool,
) -> Result<Converged, Error> {
    let observed = compose.prepare(project, opts, images).await?;
    let answers = match yes {
        true => DivergedVolumes::RecreateAll,
        false => {
            let mut recreate = BTreeSet::new();
            for name in compose.diverged_volumes(project, &observed, opts) {
                let question = format!(
                    "Volume {name:?} exists but doesn't match configuration in compose file. Recreate (data will be lost)? [y/N]"
                );
                compose.progress().prompt(&question);
                let yes = tokio::select! {
                    yes = answer() => yes?,
                    // Ctrl-C while the question waits: the run ends there
                    _ = compose.interrupted() => {
                        eprintln!();
                        return Err(Error::Exit(130));
                    }
                };
                if yes {
                    recreate.insert(name);
                }
            }
            DivergedVolumes::Recreate(recreate)
        }
    };
    let opts = UpOptions {
        diverged_volumes: answers,
        ..opts.clone()
    };
    let plan = compose
        .apply(project, &observed, &opts, compose.progress())
        .await?;
    Ok(Converged { observed, plan })
}

/// A line of stdin, terminal or not (as Compose reads it), as yes or no: no unless it says yes;
/// no at the end of input. Read off the runtime's threads, so that Ctrl-C still ends the run
/// (the read is left behind: the runtime does not wait for it).
async fn answer() -> Result<bool, Error> {
    let line = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| Error::msg(format!("reading the answer failed: {e}")))?
    .map_err(|e| Error::io("cannot read the answer", e))?;
    if line.is_empty() || !std::io::stdin().is_terminal() {
        // an answer nobody typed here (piped, or none at all): the question's line ends here
        eprintln!();
    }
    Ok(yes(&line))
}

/// Whether an answer says yes, in any case: `y`, `yes` (what Compose's terminal prompt takes),
/// `true`, `t`, `1` (what its piped one takes besides `y`).
fn yes(answer: &str) -> bool {
    matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "true" | "t" | "1"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_yes_says_yes() {
        for a in ["y\n", "Y", " yes \n", "YES", "true", "T", "1\n"] {
            assert!(yes(a), "{a:?}");
        }
        for a in ["", "\n", "n", "no", "yess", "sure", "0", "false"] {
            assert!(!yes(a), "{a:?}");
        }
    }
}
