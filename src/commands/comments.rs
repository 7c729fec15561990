//! `tracker comments`: report comments with their length, for review.

use crate::cli::CommentsArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::comments::{self, Selection};
use crate::reports::model::{self, Ctx};
use crate::settings::Settings;

pub fn run(s: &Settings, args: &CommentsArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let (snap, scope) = crate::reports::open(&s.store, &args.report, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let sel = Selection {
        filter: &args.filter,
        asn_only: args.asn,
        max_chars: s.config.bge.comment_max_chars,
    };
    let mut lines = Vec::new();
    // One school at a time: only the comments are kept.
    for school in &scope.schools {
        let sw = model::load(&ctx, &snap, school, scope.window)?;
        lines.extend(comments::lines(&sw, &|st| scope.wants_stage(st), &sel));
    }
    drop(snap);
    output::write(&comments::table(lines), &opts)?;
    Ok(Exit::Success)
}
