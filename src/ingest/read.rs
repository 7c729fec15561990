//! Bytes to text: encoding, byte-order marks, delimiter detection and hashing.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::IngestError;
use super::scan::{self, Breach, Scanner};

/// One export file read into memory, with what was learned about its bytes.
#[derive(Debug)]
pub struct RawExport {
    /// The file name shown in messages and stored in the manifest.
    pub name: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
    pub text: String,
    pub encoding: &'static str,
    pub delimiter: u8,
    /// For a workbook: the sheet read. Its text then holds one record per
    /// sheet row, so a record's line is its index plus one.
    pub sheet: Option<super::workbook::SheetInfo>,
}

/// How messages name an export: its file name, else the path as given.
pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Read, hash and decode one export. Fails for files no school export can be:
/// spreadsheets, UTF-16, binary data, truncated files, and files whose
/// shape breaks the bounds of [`scan`](super::scan), which are checked while
/// the file is read, so memory never exceeds what was read before the breach.
pub fn read_export(path: &Path) -> Result<RawExport, IngestError> {
    let name = display_name(path);
    let io = |source| IngestError::Io {
        file: path.display().to_string(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    // Reserved, not touched: pages become memory only as they are read.
    let size = file.metadata().map_or(0, |m| m.len());
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut scanner: Option<Scanner> = None;
    let mut block = vec![0u8; BLOCK];
    loop {
        let n = read_block(&mut file, &mut block).map_err(io)?;
        if n == 0 {
            break;
        }
        let start = bytes.len();
        bytes.extend_from_slice(&block[..n]);
        let scanner = match &mut scanner {
            Some(s) => s,
            None => {
                // The first block decides what the file is.
                check_signature(&name, &bytes)?;
                scanner.insert(Scanner::new(detect_delimiter(&String::from_utf8_lossy(
                    &bytes,
                ))))
            }
        };
        scanner
            .feed(&bytes[start..])
            .map_err(|b| breach(&name, b))?;
    }
    if let Some(s) = &scanner {
        s.finish().map_err(|b| breach(&name, b))?;
    }
    from_bytes(name, bytes)
}

/// Up to `buf.len()` bytes, fewer only at the end of the file.
fn read_block(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The same checks as [`read_export`] on bytes already in memory (for the
/// fuzz target and tests); `name` is what messages call the file.
pub fn from_bytes(name: String, bytes: Vec<u8>) -> Result<RawExport, IngestError> {
    check_signature(&name, &bytes)?;
    let delimiter = detect_delimiter(&String::from_utf8_lossy(&bytes[..bytes.len().min(BLOCK)]));
    let mut scanner = Scanner::new(delimiter);
    scanner
        .feed(&bytes)
        .and_then(|()| scanner.finish())
        .map_err(|b| breach(&name, b))?;
    if scanner.controls_per_mille() > 10 {
        return Err(IngestError::Encoding {
            file: name,
            problem: "the file holds binary data, not text".to_string(),
        });
    }
    let sha256 = hex(&Sha256::digest(&bytes));
    let (text, encoding) = decode(&name, &bytes)?;
    Ok(RawExport {
        name,
        bytes,
        sha256,
        text,
        encoding,
        delimiter,
        sheet: None,
    })
}

const BLOCK: usize = 1 << 20;

fn breach(name: &str, b: Breach) -> IngestError {
    let file = name.to_string();
    match b {
        Breach::FieldTooLong { line } => IngestError::TooLarge {
            file,
            line,
            problem: format!(
                "a field is longer than {} MiB; no SEEMiS export holds one",
                scan::MAX_FIELD_BYTES >> 20
            ),
        },
        Breach::TooManyFields { line } => IngestError::TooLarge {
            file,
            line,
            problem: format!(
                "a row has more than {} fields; a SEEMiS export has a few dozen columns",
                scan::MAX_FIELDS
            ),
        },
        Breach::RecordTooLong { line } => IngestError::TooLarge {
            file,
            line,
            problem: format!("a row is longer than {} MiB", scan::MAX_RECORD_BYTES >> 20),
        },
        Breach::UnclosedQuote { line } => IngestError::Truncated {
            file,
            problem: format!(
                "a quoted field in the row that starts on line {line} is never closed"
            ),
        },
        Breach::Nul { .. } => IngestError::Encoding {
            file,
            problem: "the file holds binary data (or UTF-16), not text".to_string(),
        },
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Refuse what is plainly not a text export, from its first bytes.
fn check_signature(name: &str, bytes: &[u8]) -> Result<(), IngestError> {
    let bad = |problem: &str| IngestError::Encoding {
        file: name.to_string(),
        problem: problem.to_string(),
    };
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(bad(
            "this looks like an Excel workbook (.xlsx), not CSV; name it `.xlsx` to ingest it as one",
        ));
    }
    if bytes.starts_with(b"\xd0\xcf\x11\xe0") {
        return Err(bad(
            "this looks like an old Excel workbook (.xls), not CSV; name it `.xls` to ingest it as one",
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(bad("the file is UTF-16, which is not supported"));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let sample = &body[..body.len().min(64 * 1024)];
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0c))
        .count();
    if sample.contains(&0) || controls * 100 > sample.len().max(1) {
        return Err(bad("the file holds binary data (or UTF-16), not text"));
    }
    Ok(())
}

/// UTF-8 (with or without BOM), else Windows-1252, the two encodings SEEMiS
/// and Excel write. Anything that looks binary is refused rather than guessed.
pub fn decode(name: &str, bytes: &[u8]) -> Result<(String, &'static str), IngestError> {
    check_signature(name, bytes)?;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok((text.to_string(), "utf-8")),
        // UTF-8 text cut off in the middle of a character: decoding it as
        // Windows-1252 would garble every accented name in it.
        Err(e) if e.error_len().is_none() && !body[..e.valid_up_to()].is_ascii() => {
            Err(IngestError::Truncated {
                file: name.to_string(),
                problem: "the file ends in the middle of a UTF-8 character".to_string(),
            })
        }
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(body);
            Ok((text.into_owned(), "windows-1252"))
        }
    }
}

/// Comma, semicolon or tab: whichever occurs most often outside quotes in the
/// first non-blank line. Ties go to comma.
pub fn detect_delimiter(text: &str) -> u8 {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3)
        .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
        .unwrap_or(0);
    [b',', b';', b'\t'][best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        let cases = [
            ("SCN,Subject,Level\n", b','),
            ("SCN;Subject;Level\n", b';'),
            ("SCN\tSubject\tLevel\n", b'\t'),
            ("\n\n\"a;b\",c,d\n", b','),
            ("SCN\n", b','),
        ];
        for (text, want) in cases {
            assert_eq!(detect_delimiter(text), want, "{text:?}");
        }
    }

    #[test]
    fn encodings() {
        assert_eq!(
            decode("f", b"\xEF\xBB\xBFSCN\n").unwrap(),
            ("SCN\n".into(), "utf-8")
        );
        assert_eq!(
            decode("f", b"Ren\xe9e\n").unwrap(),
            ("Renée\n".into(), "windows-1252")
        );
        for bad in [
            &b"PK\x03\x04rest"[..],
            b"\xFF\xFES\x00C\x00",
            b"a\x00b\x00c",
            b"\x01\x02\x03\x04\x05",
        ] {
            assert!(decode("f", bad).is_err(), "{bad:?}");
        }
    }
}
