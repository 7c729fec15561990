//! The child process that reads a workbook: the binary started again with
//! a hidden first argument, its address space and CPU time limited, handing
//! back the sheet's CSV text (or what was wrong) as JSON on stdout.

use std::collections::BTreeMap;
use std::io::Read;

use super::{Format, MAX_WORKBOOK_BYTES, sheet_text, short};
use crate::ingest::IngestError;
use crate::ingest::read::SheetInfo;

/// The address space of the child that reads a workbook: several times
/// what a workbook within the bounds below needs.
pub const CHILD_MEMORY_BYTES: u64 = 1 << 30;
/// Its CPU time: a workbook within the bounds reads in a few seconds.
pub const CHILD_CPU_SECONDS: u64 = 60;
/// The hidden first argument that makes the binary the reading child.
const CHILD_ARG: &str = "__read-workbook";

/// What the child hands back on stdout, as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
enum Reply {
    Sheet {
        info: SheetInfo,
        format: String,
        text: String,
    },
    Workbook {
        problem: String,
    },
    NoSheet {
        sheet: String,
        found: String,
    },
    TooLarge {
        problem: String,
    },
}

pub(super) fn in_child(
    name: &str,
    bytes: &[u8],
    format: Format,
    sheet: Option<&str>,
    extra: &BTreeMap<String, Vec<String>>,
) -> Result<(SheetInfo, String, Format), IngestError> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let io = |source| IngestError::Io {
        file: name.to_string(),
        source,
    };
    let exe = std::env::current_exe().map_err(io)?;
    let mut cmd = Command::new(exe);
    cmd.arg(CHILD_ARG).arg(format.as_str());
    if let Some(sheet) = sheet {
        cmd.arg("--sheet").arg(sheet);
    }
    for alias in extra.get("scn").into_iter().flatten() {
        cmd.arg("--scn").arg(alias);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A child that died early has closed the pipe: its status says why.
        let _ = stdin.write_all(bytes);
    }
    let out = child.wait_with_output().map_err(io)?;
    let reply = out
        .status
        .success()
        .then(|| serde_json::from_slice::<Reply>(&out.stdout).ok())
        .flatten();
    let file = name.to_string();
    match reply {
        Some(Reply::Sheet { info, format, text }) => {
            let actual = [Format::Xlsx, Format::Xls, Format::Ods]
                .into_iter()
                .find(|f| f.as_str() == format)
                .unwrap_or(Format::Xlsx);
            Ok((info, text, actual))
        }
        Some(Reply::Workbook { problem }) => Err(IngestError::Workbook { file, problem }),
        Some(Reply::NoSheet { sheet, found }) => Err(IngestError::NoSheet { file, sheet, found }),
        Some(Reply::TooLarge { problem }) => Err(IngestError::WorkbookTooLarge { file, problem }),
        None => Err(IngestError::WorkbookTooLarge {
            file,
            problem: format!(
                "reading the workbook needed more than {} MiB of memory or {CHILD_CPU_SECONDS} s, or failed: it is damaged or built to exhaust a reader",
                CHILD_MEMORY_BYTES >> 20
            ),
        }),
    }
}

/// Run as the reading child when the binary was started as one: call first
/// thing in `main`. Returns the exit code then, else None.
pub fn child_main() -> Option<u8> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != CHILD_ARG {
        return None;
    }
    for (resource, limit) in [
        (libc::RLIMIT_AS, CHILD_MEMORY_BYTES),
        (libc::RLIMIT_CPU, CHILD_CPU_SECONDS),
    ] {
        let rl = libc::rlimit {
            rlim_cur: limit as libc::rlim_t,
            rlim_max: limit as libc::rlim_t,
        };
        // SAFETY: setrlimit reads the struct passed; no memory is shared.
        if unsafe { libc::setrlimit(resource, &rl) } != 0 {
            return Some(1);
        }
    }
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let format = match args.first().map(String::as_str) {
        Some("xls") => Format::Xls,
        Some("ods") => Format::Ods,
        _ => Format::Xlsx,
    };
    let mut sheet = None;
    let mut scn = Vec::new();
    for pair in args[1.min(args.len())..].chunks(2) {
        match pair {
            [flag, value] if flag == "--sheet" => sheet = Some(value.clone()),
            [flag, value] if flag == "--scn" => scn.push(value.clone()),
            _ => return Some(1),
        }
    }
    let extra = BTreeMap::from([("scn".to_string(), scn)]);
    let mut bytes = Vec::new();
    if std::io::stdin()
        .take(MAX_WORKBOOK_BYTES + 1)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return Some(1);
    }
    let reply = match sheet_text("", &bytes, format, sheet.as_deref(), &extra) {
        Ok((info, text, actual)) => Reply::Sheet {
            info,
            format: actual.as_str().to_string(),
            text,
        },
        Err(IngestError::NoSheet { sheet, found, .. }) => Reply::NoSheet { sheet, found },
        Err(IngestError::WorkbookTooLarge { problem, .. }) => Reply::TooLarge { problem },
        Err(IngestError::Workbook { problem, .. }) => Reply::Workbook { problem },
        Err(e) => Reply::Workbook {
            problem: short(&e.to_string()),
        },
    };
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, &reply) {
        Ok(()) => Some(0),
        Err(_) => Some(1),
    }
}
