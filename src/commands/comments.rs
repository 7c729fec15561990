//! `tracker comments`: report comments with their length, for review.

use crate::cli::CommentsArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::comments::{self, Selection};
use crate::reports::model::{self, Need};
use crate::rules::Ctx;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &CommentsArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let (snap, scope) = crate::reports::open(&s.store, &s.request(&args.report), s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let filter = s.filter(&args.filter);
    let sel = Selection {
        filter: &filter,
        asn_only: args.asn,
        max_chars: s.config.bge.comment_max_chars,
    };
    let need = Need {
        pupils: args.asn,
        teacher: true,
        class: true,
        comments: true,
        ..Need::default()
    };
    // Each worker drops its school's window once it has the comments.
    let per_school = crate::par::map(&scope.schools, |school| {
        let sw = model::load(&ctx, &snap, school, scope.window, need)?;
        Ok(comments::lines(&sw, &|st| scope.wants_stage(st), &sel))
    })?;
    drop(snap);
    let lines = crate::reports::concat(per_school);
    output::write(&comments::table(lines), &opts)?;
    Ok(Exit::Success)
}
