//! The "Interventions" section of the summary's HTML page: the impact table
//! of one school (by intervention type) as a chart and a table, drawn as
//! the rest of the page is (inline SVG, no request, no script).

use std::fmt::Write;

use super::{Group, Impact, NOTE};
use crate::reports::html::{BAR_W, LABEL_W, ROW_H, esc, pct, percent_axis, points};
use crate::reports::summary::table::SUPPRESSED;
use crate::rules::window::Window;

const HELPED: &str = "#1565c0";
const COMPARED: &str = "#9e9e9e";

/// The section for `school`: what followed the interventions of `window`,
/// or why that cannot be shown yet.
pub fn section(h: &mut String, school: &str, window: Window, impact: Option<&Impact>) {
    h.push_str("<h3>Interventions</h3>\n");
    let w = esc(&window.to_string());
    let pair = impact.and_then(|i| i.pairs.iter().find(|p| p.school == school));
    let (Some(impact), Some(pair)) = (impact, pair) else {
        let _ = writeln!(
            h,
            "<p class=\"note\">The store holds no window after {w} yet: what followed this \
             window's interventions shows here once the next window is ingested.</p>"
        );
        return;
    };
    let groups: Vec<&Group> = impact
        .groups
        .iter()
        .filter(|g| g.school == school)
        .collect();
    let _ = writeln!(
        h,
        "<p class=\"note\">Pupils with an intervention recorded in {w}, by type, and how they \
         stood in {}: the share who improved (a better status in the subject, or fewer \
         faculties off track) beside pupils off track in {w} with no intervention.</p>",
        esc(&pair.next.to_string())
    );
    if groups.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"note\">No interventions were recorded in {w}.</p>"
        );
        return;
    }
    legend(h);
    chart(h, &groups);
    table(h, &groups);
    let note = NOTE.strip_prefix("note: ").unwrap_or(NOTE);
    let _ = writeln!(h, "<p class=\"note\"><b>Note:</b> {}.</p>", esc(note));
}

fn legend(h: &mut String) {
    let _ = writeln!(
        h,
        "<div class=\"legend\"><span><i style=\"background:{HELPED}\"></i>Improved, with the \
         intervention</span><span><i style=\"background:{COMPARED}\"></i>Improved, off track \
         with none (comparison)</span><span><i style=\"background:#fff;border:1px dashed \
         #999\"></i>{SUPPRESSED} = suppressed</span></div>"
    );
}

/// Two bars a group: the share improved with the intervention, and in its
/// comparison, on one 0-100% scale.
fn chart(h: &mut String, groups: &[&Group]) {
    let bar_h = ROW_H / 2.0 - 2.0;
    let row_h = ROW_H + 8.0;
    let height = row_h * groups.len() as f64 + 26.0;
    let width = LABEL_W + BAR_W + 80.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"share improved, with \
         and without an intervention\">"
    );
    percent_axis(h, height);
    for (i, g) in groups.iter().enumerate() {
        let y = row_h * i as f64 + 2.0;
        let name = esc(&g.group);
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{:.1}\">{name}</text>",
            y + ROW_H / 2.0 + 4.0
        );
        let bars = [
            (g.improved(), g.suppressed, HELPED, "with the intervention"),
            (
                g.comparison_improved(),
                g.comparison_suppressed,
                COMPARED,
                "comparison",
            ),
        ];
        for (k, (share, hidden, colour, what)) in bars.into_iter().enumerate() {
            let top = y + k as f64 * (bar_h + 2.0);
            let text_y = top + bar_h - 2.0;
            match (hidden, share) {
                (true, _) => {
                    let _ = write!(
                        h,
                        "<rect x=\"{LABEL_W}\" y=\"{top:.1}\" width=\"{BAR_W}\" \
                         height=\"{bar_h}\" fill=\"#fff\" stroke=\"#999\" \
                         stroke-dasharray=\"4 3\"/><text class=\"c\" x=\"{}\" \
                         y=\"{text_y:.1}\">{SUPPRESSED}</text>",
                        LABEL_W + 8.0
                    );
                }
                (false, None) => {
                    let _ = write!(
                        h,
                        "<text class=\"c\" x=\"{}\" y=\"{text_y:.1}\">no pupils</text>",
                        LABEL_W + 8.0
                    );
                }
                (false, Some(v)) => {
                    let w = BAR_W * v / 100.0;
                    let _ = write!(
                        h,
                        "<rect x=\"{LABEL_W}\" y=\"{top:.1}\" width=\"{w:.1}\" \
                         height=\"{bar_h}\" fill=\"{colour}\"><title>{name}, {what}: {} \
                         improved</title></rect><text x=\"{:.1}\" y=\"{text_y:.1}\">{}</text>",
                        pct(v),
                        LABEL_W + w + 4.0,
                        pct(v)
                    );
                }
            }
        }
        h.push('\n');
    }
    h.push_str("</svg>\n");
}

fn table(h: &mut String, groups: &[&Group]) {
    h.push_str(
        "<table><tr><th>Intervention</th><th>Pupils</th><th>Improved</th><th>Unchanged</th>\
         <th>Worse</th><th>Still off track</th><th>Comparison pupils</th>\
         <th>Comparison improved</th><th>Difference</th></tr>\n",
    );
    for g in groups {
        let _ = write!(h, "<tr><td>{}</td>", esc(&g.group));
        let c = &g.helped;
        td(h, g.suppressed, Some(c.pupils.to_string()));
        for n in [c.improved, c.unchanged, c.worse, c.still_off_track] {
            td(h, g.suppressed, c.share(n).map(pct));
        }
        td(
            h,
            g.comparison_suppressed,
            Some(g.comparison.pupils.to_string()),
        );
        td(h, g.comparison_suppressed, g.comparison_improved().map(pct));
        td(
            h,
            g.suppressed || g.comparison_suppressed,
            g.difference().map(points),
        );
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// A cell: the figure, `c` when hidden, empty when there is none.
fn td(h: &mut String, hidden: bool, v: Option<String>) {
    match (hidden, v) {
        (_, None) => h.push_str("<td></td>"),
        (true, Some(_)) => {
            let _ = write!(h, "<td class=\"c\">{SUPPRESSED}</td>");
        }
        (false, Some(v)) => {
            let _ = write!(h, "<td>{v}</td>");
        }
    }
}
