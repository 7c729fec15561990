//! Writing one synthetic export, as SEEMiS or Excel would have written it.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::rng::Rng;

/// One CSV file being written: each row is built in `line`, then written whole.
pub(super) struct Out {
    pub(super) w: BufWriter<File>,
    pub(super) line: Vec<u8>,
    pub(super) delim: u8,
    /// Windows-1252 bytes and CRLF line ends, as Excel on Windows writes.
    pub(super) legacy: bool,
    pub(super) first: bool,
}

impl Out {
    pub(super) fn create(path: &Path, delim: u8, legacy: bool) -> io::Result<Out> {
        // Removed first so the file is always new, and so created 0600 (SPEC 9).
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        Ok(Out {
            w: BufWriter::with_capacity(1 << 20, file),
            line: Vec::with_capacity(4096),
            delim,
            legacy,
            first: true,
        })
    }

    pub(super) fn header(&mut self, columns: &str) -> io::Result<()> {
        for c in columns.split('|') {
            self.text(c);
        }
        self.end()
    }

    pub(super) fn sep(&mut self) -> &mut Self {
        if !self.first {
            self.line.push(self.delim);
        }
        self.first = false;
        self
    }

    pub(super) fn raw(&mut self, bytes: &[u8]) -> &mut Self {
        self.line.extend_from_slice(bytes);
        self
    }

    pub(super) fn empty(&mut self) -> &mut Self {
        self.sep()
    }

    /// A text field, quoted when it holds the delimiter, a quote or a line end.
    pub(super) fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        let d = self.delim;
        if !s
            .bytes()
            .any(|b| b == d || b == b'"' || b == b'\n' || b == b'\r')
        {
            self.push_str(s);
            return self;
        }
        self.line.push(b'"');
        for (i, part) in s.split('"').enumerate() {
            if i > 0 {
                self.line.extend_from_slice(b"\"\"");
            }
            self.push_str(part);
        }
        self.line.push(b'"');
        self
    }

    pub(super) fn push_str(&mut self, s: &str) {
        if self.legacy && !s.is_ascii() {
            // Windows-1252 agrees with Unicode on U+00A0..U+00FF, all the names use.
            self.line.extend(
                s.chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')),
            );
        } else {
            self.line.extend_from_slice(s.as_bytes());
        }
    }

    pub(super) fn num(&mut self, n: u32) -> &mut Self {
        self.sep().num_raw(n)
    }

    pub(super) fn num_raw(&mut self, mut n: u32) -> &mut Self {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.raw(&digits[i..])
    }

    pub(super) fn opt(&mut self, n: Option<u32>) -> &mut Self {
        match n {
            Some(n) => self.num(n),
            None => self.sep(),
        }
    }

    pub(super) fn stage(&mut self, stage: u8) -> &mut Self {
        self.sep().raw(&[b'S', b'0' + stage])
    }

    pub(super) fn end(&mut self) -> io::Result<()> {
        self.line
            .extend_from_slice(if self.legacy { b"\r\n" } else { b"\n" });
        self.first = true;
        let result = self.w.write_all(&self.line);
        self.line.clear();
        result
    }
}

/// The end of a bad row: three equal ratings, no comment, perhaps one field too many.
pub(super) fn tail(o: &mut Out, rating: u32, extra: Option<&str>) -> io::Result<()> {
    o.num(rating).num(rating).num(rating).empty();
    if let Some(extra) = extra {
        o.text(extra);
    }
    o.end()
}

/// A school day in the window's term: Sep-Oct 2025 or Jan-Feb 2026.
pub(super) fn write_date(o: &mut Out, rng: &mut Rng, w: usize) {
    // Days from the term's first date; `first_weekday` is 0 for a Monday.
    let (days, first_weekday, year) = if w == 0 { (61, 0, 2025) } else { (59, 3, 2026) };
    let mut d = if w == 0 {
        rng.below(days)
    } else {
        4 + rng.below(days - 4)
    };
    let weekday = (d + first_weekday) % 7;
    if weekday >= 5 {
        d -= weekday - 4;
    }
    let first_month_days = if w == 0 { 30 } else { 31 };
    let (day, month) = if d < first_month_days {
        (d + 1, 0)
    } else {
        (d + 1 - first_month_days, 1)
    };
    let month = [[9, 10], [1, 2]][w][month];
    o.sep();
    o.raw(&[
        b'0' + (day / 10) as u8,
        b'0' + (day % 10) as u8,
        b'/',
        b'0' + month / 10,
        b'0' + month % 10,
        b'/',
    ]);
    o.num_raw(year);
}
