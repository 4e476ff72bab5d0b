//! Publishing a project as an OCI artifact, as Compose's `publish` does: what Compose refuses
//! to publish, the images the project builds pushed first, the layers of its files (and pinned
//! images), then the artifact pushed to its registry. The questions to the user are the
//! command's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::Compose;
use crate::engine::Engine;
use crate::error::Error;
use crate::model::Project;
use crate::oci::artifact::{self, OciVersion};
use crate::progress::Event;

/// How to publish.
#[derive(Debug, Clone)]
pub(crate) struct PublishOptions {
    /// `REPOSITORY[:TAG]`.
    pub repository: String,
    /// `--with-env`: environment values allowed, env files published.
    pub with_env: bool,
    /// `--resolve-image-digests`: the pinned images as a last file.
    pub resolve_image_digests: bool,
    /// `--oci-version` (none: 1.1, else 1.0 where the registry refuses 1.1).
    pub oci_version: Option<OciVersion>,
    /// Where the user's registry credentials are (`~/.docker`).
    pub config_dir: Option<PathBuf>,
}

/// What Compose refuses to publish, before anything is asked or pushed: local includes (not
/// part of the artifact), files that are not on disk, and [`refusals`].
pub(crate) fn check(project: &Project, local_includes: usize, with_env: bool) -> Result<(), Error> {
    if local_includes > 0 {
        return Err(Error::msg(
            "cannot publish compose file with local includes (an included file is not part of the artifact; include it from a registry with oci://, or merge it into the compose file)",
        ));
    }
    if let Some(f) = project
        .compose_files
        .iter()
        .find(|f| !Path::new(f).is_file())
    {
        return Err(Error::msg(format!(
            "cannot publish {f}: publish takes compose files on disk, not stdin"
        )));
    }
    refusals(project, with_env)
}

/// What Compose refuses to publish: services with only a `build` section (the artifact's users
/// have no image to run), and environment values unless `--with-env` allows them.
fn refusals(project: &Project, with_env: bool) -> Result<(), Error> {
    let build_only: Vec<&String> = project
        .services
        .iter()
        .filter(|(_, s)| s.image.is_empty() && s.build.is_some())
        .map(|(n, _)| n)
        .collect();
    if !build_only.is_empty() {
        let list: String = build_only.iter().map(|n| format!("- {n:?}\n")).collect();
        return Err(Error::msg(format!(
            "your Compose stack cannot be published as it only contains a build section for service(s):\n{list}give each an `image:` naming where its image is pushed"
        )));
    }
    if with_env {
        return Ok(());
    }
    let mut found = Vec::new();
    for (name, s) in &project.services {
        if !s.env_file.is_empty() {
            found.push(format!("service {name:?} has env_file declared."));
        }
        if !s.environment.is_empty() {
            found.push(format!(
                "service {name:?} has environment variable(s) declared."
            ));
        }
    }
    for (name, c) in &project.configs {
        if !c.environment.is_empty() {
            found.push(format!(
                "config {name:?} is declared as an environment variable."
            ));
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    Err(Error::msg(format!(
        "{}\nTo avoid leaking sensitive data, you must either explicitly allow the sending of environment variables by using the --with-env flag,\nor remove sensitive data from your Compose configuration",
        found.join("\n")
    )))
}

/// An override file of each service's (pinned) image, `{}` for one without: `config
/// --lock-image-digests` prints it, `publish --resolve-image-digests` adds it to the artifact.
pub(crate) fn digest_override(project: &Project) -> serde_json::Value {
    let services: serde_json::Map<String, serde_json::Value> = project
        .services
        .iter()
        .map(|(n, s)| {
            let v = match s.image.is_empty() {
                true => serde_json::json!({}),
                false => serde_json::json!({"image": s.image}),
            };
            (n.clone(), v)
        })
        .collect();
    serde_json::json!({"services": services})
}

impl<E: Engine> Compose<E> {
    /// Every service image named by tag pinned to the digest its registry has for it
    /// (`name:tag@sha256:...`), asked through the engine as Compose does.
    pub(crate) async fn pin_images(&self, project: &mut Project) -> Result<(), Error> {
        let images: BTreeSet<String> = project
            .services
            .values()
            .map(|s| s.image.clone())
            .filter(|i| !i.is_empty() && !i.contains('@'))
            .collect();
        let mut digests = std::collections::BTreeMap::new();
        for image in images {
            let pinned = super::pinned(self.engine(), &image, true)
                .await
                .map_err(|why| {
                    Error::msg(format!("cannot resolve the digest of image {image}: {why}"))
                })?;
            digests.insert(image, pinned);
        }
        for svc in project.services.values_mut() {
            if let Some(pinned) = digests.get(&svc.image) {
                svc.image = pinned.clone();
            }
        }
        Ok(())
    }

    /// Publishes `project` (loaded with every profile, checked with [`check`], and agreed to):
    /// its built images pushed (failures ignored, as Compose does: an image may already be on
    /// its registry), then its artifact.
    pub(crate) async fn publish(&self, project: &Project, o: &PublishOptions) -> Result<(), Error> {
        let everything: BTreeSet<String> = project.services.keys().cloned().collect();
        self.push(project, &everything, true, false).await?;
        let mut layers = crate::oci::layers::layers(
            &project.compose_files,
            Path::new(&project.working_dir),
            &project.environment,
            o.with_env,
        )
        .map_err(Error::msg)?;
        if o.resolve_image_digests {
            let mut pinned = project.clone();
            self.pin_images(&mut pinned).await?;
            // every service has an image here: build-only ones were refused
            let yaml = crate::render::yaml(&digest_override(&pinned), true);
            layers.push(artifact::compose_file(
                "image-digests.yaml",
                yaml.into_bytes(),
                false,
            ));
        }
        let progress = self.progress();
        let id = o.repository.as_str();
        if self.options().dry_run {
            progress.event(Event::done(id, "Published (dry run)"));
            progress.finish();
            return Ok(());
        }
        progress.event(Event::working(id, "Publishing"));
        let created = crate::clock::rfc3339(crate::clock::now_secs());
        let pushed = crate::oci::push(
            o.config_dir.as_deref(),
            id,
            &layers,
            o.oci_version,
            &created,
        )
        .await;
        match pushed {
            Ok(_) => progress.event(Event::done(id, "Published")),
            Err(_) => progress.event(Event::error(id, "publishing failed")),
        }
        progress.finish();
        pushed
            .map(|_| ())
            .map_err(|e| Error::msg(format!("cannot publish the project {}: {e}", project.name)))
    }
}
