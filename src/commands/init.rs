//! `tracker init`: create the store and write its commented config.

use anyhow::Context;

use crate::cli::InitArgs;
use crate::config::{Config, default_toml};
use crate::exit::Exit;
use crate::settings::Settings;
use crate::store::fsutil;

pub fn run(s: &Settings, args: &InitArgs) -> anyhow::Result<Exit> {
    let store = &s.store;
    let config_path = store.config_path();
    if store.exists() && !args.force {
        anyhow::bail!(
            "`{}` already exists; nothing was changed\nhint: use `--force` to rewrite its tracker.toml (the data is kept)",
            store.root.display()
        );
    }
    let text = default_toml(args.preset);
    crate::rules::check::checked(Config::parse(&text, "built-in preset")?)
        .context("the built-in preset is invalid")?;
    store.create().context("cannot create the store")?;
    fsutil::write_atomic(&store.root, "tracker.toml", text.as_bytes())
        .with_context(|| format!("cannot write `{}`", config_path.display()))?;
    fsutil::fsync_dir(&store.root)
        .with_context(|| format!("cannot sync `{}`", store.root.display()))?;
    s.say(&format!(
        "created `{}` with config `{}`",
        store.root.display(),
        config_path.display()
    ));
    Ok(Exit::Success)
}
