//! The summary as one self-contained HTML page (SPEC 8): inline CSS and
//! inline SVG only, so it opens offline, makes no request, needs no
//! JavaScript, and prints. Every text from the data or the config is escaped.

use std::fmt::Write;

use crate::rules::Status;

use super::table::{SUPPRESSED, group_label, windows_label};
use super::{ALL, Block, Cell, Measure, Previous, Section, Summary, stage_name};
use crate::reports::html::{BAR_W, LABEL_W, ROW_H, esc, pct, percent_axis, points};

/// The status colours: green, amber, red, then greys for the gaps in the data.
const COLOURS: [(&str, &str); 6] = [
    ("#2e7d32", "On track"),
    ("#f9a825", "Slightly off track"),
    ("#c62828", "Off track"),
    ("#757575", "Missing"),
    ("#a8a8a8", "No pathway"),
    ("#d0d0d0", "No target"),
];

/// The page's stylesheet, inline so the page makes no request.
const STYLE: &str = include_str!("html/style.css");

/// The whole page. `name` gives a school code its display name; `impact`
/// is the impact of the window's interventions, when the store holds a
/// later window for any school.
pub fn page(
    summary: &Summary,
    name: &dyn Fn(&str) -> String,
    impact: Option<&crate::reports::impact::Impact>,
) -> String {
    let mut h = String::new();
    let names: Vec<String> = summary.blocks.iter().map(|b| name(&b.school)).collect();
    let selection = summary
        .selection
        .as_ref()
        .map(|s| format!(" ({s})"))
        .unwrap_or_default();
    let title = format!(
        "Tracking summary{selection} {} {}",
        names.join(", "),
        summary.window
    );
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&title)
    );
    let _ = write!(
        h,
        "<header><h1>Tracking summary{}</h1><p class=\"meta\">Window {}",
        esc(&selection),
        esc(&summary.window.to_string())
    );
    match summary.min_group {
        Some(min) => {
            let _ = write!(
                h,
                ". <b>{SUPPRESSED}</b> = a group of fewer than {min} pupils, or a figure hidden \
                 so that such a group cannot be worked out from the others."
            );
        }
        None => h.push_str(". Small groups are <b>not</b> suppressed on this page."),
    }
    h.push_str("</p></header>\n");
    for (block, name) in summary.blocks.iter().zip(&names) {
        school(&mut h, block, name);
        if block.school != super::ALL_SCHOOLS {
            crate::reports::impact::html::section(&mut h, &block.school, summary.window, impact);
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

fn school(h: &mut String, b: &Block, name: &str) {
    let _ = writeln!(h, "<section class=\"school\">\n<h2>{}</h2>", esc(name));
    let _ = writeln!(
        h,
        "<p class=\"meta\">Window {}; compared with {}.</p>",
        esc(&windows_label(&b.windows).unwrap_or_default()),
        esc(&windows_label(&b.previous_windows).unwrap_or_else(|| "no previous window".to_string()))
    );
    kpis(h, b);
    let stages: Vec<&Cell> = b
        .section(Section::Status)
        .filter(|c| c.key.faculty.is_none())
        .collect();
    h.push_str("<h3>Status of every pupil-subject, by stage</h3>\n");
    legend(h);
    status_bars(h, &stages, WIDE, |c| stage_title(c.key.stage));
    h.push_str("<h3>Status by faculty</h3>\n<div class=\"grid\">\n");
    for st in &stages {
        let rows: Vec<&Cell> = b
            .section(Section::Status)
            .filter(|c| c.key.stage == st.key.stage && c.key.faculty.is_some())
            .collect();
        let _ = writeln!(h, "<div><h4>{}</h4>", esc(&stage_title(st.key.stage)));
        status_bars(h, &rows, NARROW, |c| {
            c.key.faculty.clone().unwrap_or_default()
        });
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n");
    equity(h, b);
    change(h, b, &stages);
    projections(h, b);
    early_warning(h, b);
}

/// A stage as a heading or chart label: `S1`, `All stages`.
fn stage_title(stage: u8) -> String {
    match stage {
        ALL => "All stages".to_string(),
        s => stage_name(s),
    }
}

fn kpis(h: &mut String, b: &Block) {
    let all = |section| {
        b.section(section)
            .find(|c| c.key.stage == ALL && c.key.group == "all" && c.key.faculty.is_none())
    };
    h.push_str("<div class=\"kpis\">\n");
    let mut kpi = |value: String, what: &str| {
        let _ = writeln!(
            h,
            "<div class=\"kpi\"><b>{}</b><span>{}</span></div>",
            esc(&value),
            esc(what)
        );
    };
    if let Some(c) = all(Section::Equity) {
        let shown = |m: Option<&Measure>| match (c.suppressed, m.and_then(|m| m.percent)) {
            (true, _) => SUPPRESSED.to_string(),
            (false, Some(v)) => pct(v),
            (false, None) => "-".to_string(),
        };
        kpi(
            if c.suppressed {
                SUPPRESSED.to_string()
            } else {
                c.pupils.to_string()
            },
            "pupils",
        );
        kpi(shown(c.measure("on_track")), "with no faculty off track");
        kpi(
            shown(c.measure("off_track_1plus")),
            "off track in 1 or more faculties",
        );
    }
    if let Some(c) = all(Section::EarlyWarning) {
        let m = c.measure("early_warning").and_then(|m| m.count);
        kpi(
            match (c.suppressed, m) {
                (true, _) => SUPPRESSED.to_string(),
                (false, Some(k)) => k.to_string(),
                (false, None) => "-".to_string(),
            },
            "early warnings: on track, but concerns in many subjects",
        );
    }
    h.push_str("</div>\n");
}

fn legend(h: &mut String) {
    h.push_str("<div class=\"legend\">");
    for (colour, label) in COLOURS {
        let _ = write!(
            h,
            "<span><i style=\"background:{colour}\"></i>{label}</span>"
        );
    }
    let _ = write!(
        h,
        "<span><i style=\"background:#fff;border:1px dashed #999\"></i>{SUPPRESSED} = suppressed</span>"
    );
    h.push_str("</div>\n");
}

/// Label and bar widths: wide for the stage chart, narrow for the faculty
/// charts that sit two to a row.
const WIDE: (f64, f64) = (LABEL_W, BAR_W);
const NARROW: (f64, f64) = (150.0, 330.0);

/// One stacked bar per cell: the share of its pupil-subjects in each status.
fn status_bars(
    h: &mut String,
    cells: &[&Cell],
    (label_w, bar_w): (f64, f64),
    label: impl Fn(&Cell) -> String,
) {
    let width = label_w + bar_w + 90.0;
    let height = ROW_H * cells.len() as f64 + 4.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"status shares\">"
    );
    for (i, c) in cells.iter().enumerate() {
        let y = 2.0 + ROW_H * i as f64;
        let text_y = y + ROW_H / 2.0 + 4.0;
        let name = esc(&label(c));
        let _ = writeln!(h, "<text x=\"0\" y=\"{text_y}\">{name}</text>");
        if c.suppressed {
            let _ = writeln!(
                h,
                "<rect x=\"{label_w}\" y=\"{}\" width=\"{bar_w}\" height=\"{}\" fill=\"#fff\" \
                 stroke=\"#999\" stroke-dasharray=\"4 3\"/>\
                 <text class=\"c\" x=\"{}\" y=\"{text_y}\">{SUPPRESSED}</text>",
                y + 2.0,
                ROW_H - 6.0,
                label_w + 8.0
            );
            continue;
        }
        let mut x = label_w;
        for (m, (colour, what)) in c.measures.iter().zip(COLOURS) {
            let share = m.percent.unwrap_or(0.0);
            let w = bar_w * share / 100.0;
            if w <= 0.0 {
                continue;
            }
            let _ = write!(
                h,
                "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\">\
                 <title>{name}: {what} {}</title></rect>",
                y + 2.0,
                ROW_H - 6.0,
                pct(share)
            );
            if w >= 38.0 && m.name != Status::NoTarget.as_str() {
                let _ = write!(
                    h,
                    "<text class=\"in\" x=\"{:.1}\" y=\"{text_y}\">{share:.0}%</text>",
                    x + 4.0
                );
            }
            x += w;
        }
        let _ = writeln!(
            h,
            "<text x=\"{}\" y=\"{text_y}\">{} entries</text>",
            label_w + bar_w + 8.0,
            c.entries.unwrap_or(0)
        );
    }
    h.push_str("</svg>\n");
}

/// The equity gap chart (points above or below the rest of the cohort in
/// the share with no faculty off track) and its table.
fn equity(h: &mut String, b: &Block) {
    let cells: Vec<&Cell> = b.section(Section::Equity).collect();
    h.push_str(
        "<h3>Equity: pupils with no faculty off track</h3>\n<p class=\"note\">Each bar is the gap \
         in percentage points between the group and the rest of the cohort: right (green) when \
         the group is more often on track, left (red) when less often.</p>\n",
    );
    let groups: Vec<&&Cell> = cells.iter().filter(|c| c.key.group != "all").collect();
    let gap = |c: &Cell| c.measure("on_track").and_then(|m| m.gap);
    let most = groups
        .iter()
        .filter(|c| !c.suppressed)
        .filter_map(|c| gap(c))
        .fold(10.0f64, |a, g| a.max(g.abs()));
    let scale = (most / 10.0).ceil() * 10.0;
    let half = BAR_W / 2.0;
    let mid = LABEL_W + half;
    let height = ROW_H * groups.len() as f64 + 26.0;
    let width = LABEL_W + BAR_W + 80.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"equity gaps\">"
    );
    for t in [-scale, -scale / 2.0, 0.0, scale / 2.0, scale] {
        let x = mid + half * t / scale;
        let _ = writeln!(
            h,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"0\" y2=\"{}\" stroke=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{}\">{}</text>",
            height - 18.0,
            if t == 0.0 { "#555" } else { "#e3e6e9" },
            x - 12.0,
            height - 4.0,
            points(t)
        );
    }
    for (i, c) in groups.iter().enumerate() {
        let y = ROW_H * i as f64;
        let text_y = y + ROW_H / 2.0 + 4.0;
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{text_y}\">{}</text>",
            esc(&group_label(&c.key.group))
        );
        match (c.suppressed, gap(c)) {
            (true, _) => {
                let _ = writeln!(
                    h,
                    "<text class=\"c\" x=\"{:.1}\" y=\"{text_y}\">{SUPPRESSED}</text>",
                    mid + 6.0
                );
            }
            (false, None) => {
                let why = if c.pupils == 0 {
                    "no pupils"
                } else {
                    "no comparison"
                };
                let _ = writeln!(
                    h,
                    "<text class=\"c\" x=\"{:.1}\" y=\"{text_y}\">{why}</text>",
                    mid + 6.0
                );
            }
            (false, Some(g)) => {
                let w = half * g.abs() / scale;
                let (x, colour, tx) = if g >= 0.0 {
                    (mid, "#2e7d32", mid + w + 4.0)
                } else {
                    (mid - w, "#c62828", mid - w - 44.0)
                };
                let _ = writeln!(
                    h,
                    "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{colour}\">\
                     <title>{}: {} points</title></rect><text x=\"{tx:.1}\" y=\"{text_y}\">{}</text>",
                    y + 4.0,
                    ROW_H - 8.0,
                    esc(&group_label(&c.key.group)),
                    points(g),
                    points(g)
                );
            }
        }
    }
    h.push_str("</svg>\n");
    h.push_str(
        "<table><tr><th>Group</th><th>Pupils</th><th>No faculty off track</th><th>Gap</th>\
         <th>Off track in 1+</th><th>Gap</th><th>Then</th><th>Change</th></tr>\n",
    );
    for c in &cells {
        let (on, off) = (c.measure("on_track"), c.measure("off_track_1plus"));
        let _ = write!(h, "<tr><td>{}</td>", esc(&group_label(&c.key.group)));
        td_count(h, c, Some(c.pupils));
        td_pct(h, c, on.and_then(|m| m.percent));
        td_points(h, c, on.and_then(|m| m.gap));
        td_pct(h, c, off.and_then(|m| m.percent));
        td_points(h, c, off.and_then(|m| m.gap));
        td_previous(h, on);
        td_points(h, c, on.and_then(Measure::change));
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

/// The share of pupil-subjects on track per stage, then and now, and a
/// table of the changes.
fn change(h: &mut String, b: &Block, stages: &[&Cell]) {
    let _ = writeln!(
        h,
        "<h3>Change since the previous window ({})</h3>",
        esc(&windows_label(&b.previous_windows).unwrap_or_else(|| "none in the store".into()))
    );
    if b.previous_windows.is_empty() {
        h.push_str("<p class=\"note\">The store holds no earlier window to compare with.</p>\n");
        return;
    }
    h.push_str(
        "<p class=\"note\">Share of pupil-subjects on track: hollow circle = previous window, \
         filled = now.</p>\n",
    );
    let height = ROW_H * stages.len() as f64 + 26.0;
    let width = LABEL_W + BAR_W + 80.0;
    let _ = writeln!(
        h,
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"change since the previous window\">"
    );
    percent_axis(h, height);
    for (i, c) in stages.iter().enumerate() {
        let y = ROW_H * i as f64 + ROW_H / 2.0;
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{:.1}\">{}</text>",
            y + 4.0,
            esc(&stage_title(c.key.stage))
        );
        let m = c.measure("on_track");
        let now = m.and_then(|m| m.percent).filter(|_| !c.suppressed);
        let then = match m.and_then(|m| m.previous) {
            Some(Previous::Shown(v)) => Some(v),
            _ => None,
        };
        let x = |v: f64| LABEL_W + BAR_W * v / 100.0;
        if let (Some(a), Some(n)) = (then, now) {
            let _ = write!(
                h,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#777\" stroke-width=\"2\"/>",
                x(a),
                x(n)
            );
        }
        if let Some(a) = then {
            let _ = write!(
                h,
                "<circle cx=\"{:.1}\" cy=\"{y}\" r=\"5\" fill=\"#fff\" stroke=\"#2e7d32\" stroke-width=\"2\"><title>then {}</title></circle>",
                x(a),
                pct(a)
            );
        }
        match now {
            Some(n) => {
                let _ = writeln!(
                    h,
                    "<circle cx=\"{:.1}\" cy=\"{y}\" r=\"5\" fill=\"#2e7d32\"><title>now {}</title></circle>\
                     <text x=\"{}\" y=\"{:.1}\">{}</text>",
                    x(n),
                    pct(n),
                    LABEL_W + BAR_W + 8.0,
                    y + 4.0,
                    m.and_then(Measure::change).map(points).unwrap_or_default()
                );
            }
            None if c.suppressed => {
                let _ = writeln!(
                    h,
                    "<text class=\"c\" x=\"{}\" y=\"{:.1}\">{SUPPRESSED}</text>",
                    LABEL_W + BAR_W + 8.0,
                    y + 4.0
                );
            }
            None => h.push('\n'),
        }
    }
    h.push_str("</svg>\n");
    h.push_str(
        "<table><tr><th>Stage</th><th>On track now</th><th>Then</th><th>Change</th>\
         <th>Off track now</th><th>Then</th><th>Change</th></tr>\n",
    );
    for c in stages {
        let _ = write!(h, "<tr><td>{}</td>", esc(&stage_title(c.key.stage)));
        for name in ["on_track", "off_track"] {
            let m = c.measure(name);
            td_pct(h, c, m.and_then(|m| m.percent));
            td_previous(h, m);
            td_points(h, c, m.and_then(Measure::change));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

fn projections(h: &mut String, b: &Block) {
    let cells: Vec<&Cell> = b.section(Section::Projection).collect();
    h.push_str(
        "<h3>Projections: on course for 5@5 and 5@6</h3>\n<p class=\"note\">S4-S6: pupils with \
         five or more courses at SCQF 5+ (5@5) or SCQF 6+ (5@6) whose working grade is a pass. \
         S1-S3: an estimate for the stage from the pupils' bands, learned from earlier sessions \
         in the store (history) or taken from the config.</p>\n",
    );
    if cells.is_empty() {
        h.push_str("<p class=\"note\">No pupils to project.</p>\n");
        return;
    }
    h.push_str(
        "<table><tr><th>Stage</th><th>Basis</th><th>Pupils</th><th>5@5</th><th>Change</th>\
         <th>5@6</th><th>Change</th></tr>\n",
    );
    for c in cells {
        let basis: Vec<&str> = c
            .measures
            .iter()
            .filter_map(|m| m.basis.map(|b| b.as_str()))
            .collect();
        let mut basis = basis;
        basis.dedup();
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td>",
            esc(&stage_title(c.key.stage)),
            esc(&basis.join(", "))
        );
        td_count(h, c, Some(c.pupils));
        for name in ["5at5", "5at6"] {
            let m = c.measure(name);
            td_pct(h, c, m.and_then(|m| m.percent));
            td_points(h, c, m.and_then(Measure::change));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

fn early_warning(h: &mut String, b: &Block) {
    h.push_str(
        "<h3>Early warning</h3>\n<p class=\"note\">Pupils with no faculty off track whose Effort, \
         Behaviour or Homework is a concern in many subjects: on track today, but their ratings \
         say otherwise.</p>\n<table><tr><th>Stage</th><th>Pupils</th><th>Early warnings</th>\
         <th>Share</th><th>Change</th></tr>\n",
    );
    for c in b.section(Section::EarlyWarning) {
        let m = c.measure("early_warning");
        let _ = write!(h, "<tr><td>{}</td>", esc(&stage_title(c.key.stage)));
        td_count(h, c, Some(c.pupils));
        td_count(h, c, m.and_then(|m| m.count));
        td_pct(h, c, m.and_then(|m| m.percent));
        td_points(h, c, m.and_then(Measure::change));
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

fn td_c(h: &mut String) {
    let _ = write!(h, "<td class=\"c\">{SUPPRESSED}</td>");
}

fn td_count(h: &mut String, c: &Cell, v: Option<usize>) {
    match (c.suppressed, v) {
        (_, None) => h.push_str("<td></td>"),
        (true, Some(_)) => td_c(h),
        (false, Some(v)) => {
            let _ = write!(h, "<td>{v}</td>");
        }
    }
}

fn td_pct(h: &mut String, c: &Cell, v: Option<f64>) {
    match (c.suppressed, v) {
        (_, None) => h.push_str("<td></td>"),
        (true, Some(_)) => td_c(h),
        (false, Some(v)) => {
            let _ = write!(h, "<td>{}</td>", pct(v));
        }
    }
}

fn td_points(h: &mut String, c: &Cell, v: Option<f64>) {
    match (c.suppressed, v) {
        (_, None) => h.push_str("<td></td>"),
        (true, Some(_)) => td_c(h),
        (false, Some(v)) => {
            let _ = write!(h, "<td>{}</td>", points(v));
        }
    }
}

fn td_previous(h: &mut String, m: Option<&Measure>) {
    match m.and_then(|m| m.previous) {
        Some(Previous::Shown(v)) => {
            let _ = write!(h, "<td>{}</td>", pct(v));
        }
        Some(Previous::Suppressed) => td_c(h),
        None => h.push_str("<td></td>"),
    }
}
