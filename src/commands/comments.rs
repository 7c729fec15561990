//! `tracker comments`: report comments with their length, for review.

use crate::cli::CommentsArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::comments;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &CommentsArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let (_ctx, loaded, scope) = super::load_window(s, &args.report)?;
    let table = comments::report(
        &loaded,
        &|st| scope.wants_stage(st),
        &args.filter,
        args.asn,
        s.config.bge.comment_max_chars,
    );
    output::write(&table, &opts)?;
    Ok(Exit::Success)
}
