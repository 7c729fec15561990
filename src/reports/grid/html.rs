//! The Year Group Tracker as one self-contained HTML page (SPEC 11.1):
//! inline CSS and a little inline JavaScript, no request of any kind. A
//! section per stage; the header row and the pupil's name stay in view as
//! the grid scrolls. Every cell carries a symbol as well as its colour, for
//! readers who do not see colour and for black-and-white printing. With
//! JavaScript off the page is complete; with it, a column header sorts and
//! three selects filter by class, house and lead.

use std::io::{self, Write};

use super::{Grid, GridRow, PUPIL_COLUMNS, Stage, TAIL_COLUMNS, pupil_values, tail_values};
use crate::output::Val;
use crate::reports::html::esc;
use crate::rules::{Ctx, Status};

/// Class, symbol and words of each status.
const MARKS: &[(Status, &str, &str, &str)] = &[
    (Status::OnTrack, "on", "✓", "on track"),
    (Status::SlightlyOffTrack, "sl", "~", "slightly off track"),
    (Status::OffTrack, "off", "✗", "off track"),
    (Status::Missing, "mi", "?", "missing"),
    (Status::NoPathway, "mi", "–", "no pathway (no band)"),
    (Status::NoTarget, "mi", "–", "no target"),
];

fn mark(status: Status) -> (&'static str, &'static str, &'static str) {
    MARKS
        .iter()
        .find(|m| m.0 == status)
        .map_or(("mi", "?", "missing"), |m| (m.1, m.2, m.3))
}

const STYLE: &str = r#"
:root { --ink: #1f2933; --muted: #5f6b76; --line: #c8ced4; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
  margin: 0; padding: 16px 20px; background: #fff; font-size: 13px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 24px 0 6px; }
p.meta { color: var(--muted); margin: 2px 0 8px; }
.legend { display: flex; flex-wrap: wrap; gap: 12px; margin: 6px 0 10px; }
.legend span { padding: 1px 8px; border: 1px solid var(--line); }
.filters { margin: 6px 0; display: none; gap: 12px; }
.js .filters { display: flex; }
.wrap { overflow: auto; max-height: 80vh; border: 1px solid var(--line); }
table { border-collapse: separate; border-spacing: 0; }
th, td { border-right: 1px solid var(--line); border-bottom: 1px solid var(--line); padding: 2px 6px;
  white-space: nowrap; background: #fff; }
thead th { position: sticky; top: 0; z-index: 2; background: #eef1f4; cursor: default; }
thead tr.fac th { top: 0; }
thead tr.col th { top: 22px; }
.js thead tr.col th { cursor: pointer; }
td.p0, th.p0 { position: sticky; left: 0; z-index: 1; min-width: 7em; max-width: 7em; }
td.p1, th.p1 { position: sticky; left: 7em; z-index: 1; min-width: 9em; max-width: 9em; overflow: hidden; }
td.p2, th.p2 { position: sticky; left: 16em; z-index: 1; min-width: 8em; max-width: 8em; overflow: hidden;
  box-shadow: 2px 0 0 var(--line); }
thead th.p0, thead th.p1, thead th.p2 { z-index: 3; }
td.n { text-align: right; }
td.s { text-align: center; min-width: 4.2em; }
td.on { background: #c6efce; color: #006100; }
td.sl { background: #ffeb9c; color: #9c5700; }
td.off { background: #ffc7ce; color: #9c0006; font-weight: 600; }
td.mi { background: #e4e4e4; color: #404040; }
td.s b { font-weight: 700; margin-right: 3px; }
.legend .on { background: #c6efce; } .legend .sl { background: #ffeb9c; }
.legend .off { background: #ffc7ce; } .legend .mi { background: #e4e4e4; }
tr.hide { display: none; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { padding: 0; font-size: 9px; }
  .filters { display: none !important; }
  .wrap { overflow: visible; max-height: none; border: 0; }
  thead th, td.p0, td.p1, td.p2 { position: static; }
  thead { display: table-header-group; }
  section { break-before: page; }
  section:first-of-type { break-before: auto; }
  td.on, td.sl, td.off, td.mi { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// Sorting by a header and filtering by class, house or lead; nothing on
/// the page depends on it.
const SCRIPT: &str = r#"
document.documentElement.classList.add('js');
document.querySelectorAll('section').forEach(function (sec) {
  var body = sec.querySelector('tbody');
  sec.querySelectorAll('thead tr.col th').forEach(function (th, i) {
    th.title = 'sort';
    th.addEventListener('click', function () {
      var down = th.dataset.dir !== 'asc';
      th.dataset.dir = down ? 'asc' : 'desc';
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[i].dataset.v || a.cells[i].textContent, y = b.cells[i].dataset.v || b.cells[i].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return down ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  var sels = sec.querySelectorAll('.filters select');
  sels.forEach(function (sel) {
    sel.addEventListener('change', function () {
      Array.prototype.forEach.call(body.rows, function (r) {
        var show = true;
        sels.forEach(function (s) { if (s.value && r.dataset[s.name] !== s.value) show = false; });
        r.classList.toggle('hide', !show);
      });
    });
  });
});
"#;

/// The page, written to `h` as it is made: a grid of 300,000 pupils is a
/// page of 400 MB, which is never held whole.
pub fn write(h: &mut dyn Write, ctx: &Ctx, grid: &Grid, school_names: &str) -> io::Result<()> {
    let title = format!("Year Group Tracker {}", grid.window);
    write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n\
         <p class=\"meta\">{} · {} pupils · personal data: keep it to staff who need it</p>\n",
        esc(&title),
        esc(&title),
        esc(school_names),
        grid.rows.len()
    )?;
    h.write_all("<div class=\"legend\">".as_bytes())?;
    for (status, class, symbol, words) in MARKS.iter().take(4) {
        write!(
            h,
            "<span class=\"{class}\" title=\"{}\"><b>{symbol}</b> {}</span>",
            status.as_str(),
            esc(words)
        )?;
    }
    h.write_all(
        "<span>BGE: level entered · Senior Phase: working / target</span></div>\n".as_bytes(),
    )?;
    for stage in &grid.stages {
        section(h, ctx, grid, stage)?;
    }
    write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n")
}

fn section(h: &mut dyn Write, ctx: &Ctx, grid: &Grid, stage: &Stage) -> io::Result<()> {
    write!(
        h,
        "<section>\n<h2>{} <small>({} pupils)</small></h2>\n",
        esc(&stage.title),
        stage.rows.len()
    )?;
    filters(h, grid, stage)?;
    h.write_all("<div class=\"wrap\"><table>\n<thead>\n<tr class=\"fac\">".as_bytes())?;
    write!(h, "<th colspan=\"{}\"></th>", PUPIL_COLUMNS.len())?;
    let mut i = 0;
    while i < stage.columns.len() {
        let faculty = &grid.columns[stage.columns[i]].faculty;
        let span = stage.columns[i..]
            .iter()
            .take_while(|&&c| grid.columns[c].faculty == *faculty)
            .count();
        write!(h, "<th colspan=\"{span}\">{}</th>", esc(faculty))?;
        i += span;
    }
    write!(
        h,
        "<th colspan=\"{}\"></th></tr>\n<tr class=\"col\">",
        TAIL_COLUMNS.len()
    )?;
    for (k, (name, _)) in PUPIL_COLUMNS.iter().enumerate() {
        write!(h, "<th{}>{}</th>", sticky(k), esc(name))?;
    }
    for &c in &stage.columns {
        write!(h, "<th>{}</th>", esc(&grid.columns[c].subject))?;
    }
    for (name, _) in TAIL_COLUMNS {
        write!(h, "<th>{}</th>", esc(name))?;
    }
    h.write_all("</tr>\n</thead>\n<tbody>\n".as_bytes())?;
    let window = grid.window.to_string();
    for &r in &stage.rows {
        row(h, ctx, grid, stage, &grid.rows[r], &window)?;
    }
    h.write_all("</tbody>\n</table></div>\n</section>\n".as_bytes())
}

/// The pupil columns that stay in view: SCN, surname, forename.
fn sticky(k: usize) -> &'static str {
    match k {
        2 => " class=\"p0\"",
        3 => " class=\"p1\"",
        4 => " class=\"p2\"",
        _ => "",
    }
}

fn row(
    h: &mut dyn Write,
    ctx: &Ctx,
    grid: &Grid,
    stage: &Stage,
    row: &GridRow,
    window: &str,
) -> io::Result<()> {
    let p = row.line.pupil;
    let attr = |v: Option<&str>| esc(v.unwrap_or(""));
    write!(
        h,
        "<tr data-class=\"{}\" data-house=\"{}\" data-lead=\"{}\">",
        attr(p.and_then(|p| p.reg_class.as_deref())),
        attr(p.and_then(|p| p.house.as_deref())),
        attr(row.line.lead_role.as_deref()),
    )?;
    for (k, v) in pupil_values(ctx, row, window).iter().enumerate() {
        cell(h, sticky(k), *v)?;
    }
    for &c in &stage.columns {
        match row.entry(ctx, c) {
            Some(e) => {
                let (class, symbol, words) = mark(e.status);
                write!(
                    h,
                    "<td class=\"s {class}\" title=\"{} {}: {}\" data-v=\"{}\"><b>{symbol}</b>{}</td>",
                    esc(&grid.columns[c].subject),
                    esc(&e.shown),
                    esc(words),
                    e.status.as_str(),
                    esc(&e.shown),
                )?;
            }
            None => h.write_all(b"<td></td>")?,
        }
    }
    for v in tail_values(row) {
        cell(h, "", v)?;
    }
    h.write_all("</tr>\n".as_bytes())
}

fn cell(h: &mut dyn Write, class: &str, v: Val) -> io::Result<()> {
    match v {
        Val::Null => write!(h, "<td{class}></td>"),
        Val::Int(i) => write!(h, "<td class=\"n\">{i}</td>"),
        Val::Float(f) => write!(h, "<td class=\"n\">{:.1}</td>", (f * 10.0).round() / 10.0),
        Val::Text(t) => write!(h, "<td{class}>{}</td>", esc(t)),
    }
}

/// Selects for class, house and lead, shown only when JavaScript runs.
fn filters(h: &mut dyn Write, grid: &Grid, stage: &Stage) -> io::Result<()> {
    h.write_all("<div class=\"filters\">".as_bytes())?;
    type Pick = for<'r> fn(&'r GridRow<'r>) -> Option<&'r str>;
    let pick: [(&str, &str, Pick); 3] = [
        ("class", "Class", |r| {
            r.line.pupil.and_then(|p| p.reg_class.as_deref())
        }),
        ("house", "House", |r| {
            r.line.pupil.and_then(|p| p.house.as_deref())
        }),
        ("lead", "Lead", |r| r.line.lead_role.as_deref()),
    ];
    for (name, label, get) in pick {
        let mut values: Vec<&str> = stage
            .rows
            .iter()
            .filter_map(|&i| get(&grid.rows[i]))
            .collect();
        values.sort_unstable();
        values.dedup();
        write!(
            h,
            "<label>{label} <select name=\"{name}\"><option value=\"\">all</option>"
        )?;
        for v in values {
            write!(h, "<option>{}</option>", esc(v))?;
        }
        h.write_all("</select></label>".as_bytes())?;
    }
    h.write_all("</div>\n".as_bytes())
}
