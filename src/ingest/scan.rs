//! Bounds on an export's shape, checked in one streaming pass before the
//! file is loaded, so a hostile or broken file cannot make `ingest` hold
//! more than a fixed amount of memory for it (a 1 GB field, a row of a
//! billion empty fields), and a truncated file is refused, not half-read.
//!
//! The state machine follows the `csv` crate's reading of quotes: a quote
//! opens a quoted field only at the start of a field, `""` inside one is a
//! quote, and anything after its closing quote continues the same field.

/// A SEEMiS field is a name, a code or a comment of a few hundred
/// characters; 1 MiB is thousands of times more than any real one.
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// A SEEMiS export has a few dozen columns.
pub const MAX_FIELDS: usize = 1_000;
/// A whole row: generous for 1,000 fields of ordinary text.
pub const MAX_RECORD_BYTES: usize = 4 << 20;
/// Record starts at least this far apart are noted as places where the rows
/// may be parsed apart, on every core.
pub const SPLIT_BYTES: u64 = 1 << 20;

/// What breaks the bounds, and where (1-based line of the row's start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    FieldTooLong {
        line: u64,
    },
    TooManyFields {
        line: u64,
    },
    RecordTooLong {
        line: u64,
    },
    /// The file ends inside a quoted field that opened on `line`.
    UnclosedQuote {
        line: u64,
    },
    /// A NUL byte: no text export holds one.
    Nul {
        offset: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    Unquoted,
    Quoted,
    /// Just after a quote inside a quoted field: `""` or the closing quote.
    QuoteInQuoted,
    /// After a CR that ended a record, where an LF belongs to it.
    AfterCr,
}

/// Feed the file in blocks of any size; then call `finish`.
#[derive(Debug)]
pub struct Scanner {
    delimiter: u8,
    state: State,
    line: u64,
    record_line: u64,
    field_bytes: usize,
    record_bytes: usize,
    fields: usize,
    offset: u64,
    /// Bytes that are neither printable nor ordinary whitespace.
    controls: u64,
    /// The byte before was a CR: a line ends there unless this is its LF.
    after_cr: bool,
    /// Bytes after which `feed` may stop stepping byte by byte: quotes,
    /// the delimiter, line ends and control bytes.
    special: [bool; 256],
    /// (offset, line) of record starts just after an LF, about
    /// [`SPLIT_BYTES`] apart.
    splits: Vec<(u64, u64)>,
    next_split: u64,
}

impl Scanner {
    pub fn new(delimiter: u8) -> Scanner {
        Scanner {
            delimiter,
            state: State::StartField,
            line: 1,
            record_line: 1,
            field_bytes: 0,
            record_bytes: 0,
            fields: 1,
            offset: 0,
            controls: 0,
            after_cr: false,
            special: std::array::from_fn(|b| b < 0x20 || b == usize::from(delimiter) || b == 34),
            splits: Vec::new(),
            next_split: SPLIT_BYTES,
        }
    }

    pub fn feed(&mut self, block: &[u8]) -> Result<(), Breach> {
        let mut i = 0;
        // The stretch the whole-stretch way last declined ends here: it is
        // not tried again before, so no byte is searched twice.
        let mut declined_until = 0;
        while i < block.len() {
            if i >= declined_until
                && !self.after_cr
                && matches!(self.state, State::StartField | State::Unquoted)
            {
                // Whole records of ordinary bytes, 64 at a time.
                if let Some(chunk) = block.get(i..i + 64) {
                    let chunk: &[u8; 64] = chunk.try_into().expect("64 bytes");
                    if self.chunk(chunk) {
                        i += 64;
                        continue;
                    }
                }
                match self.stretch(&block[i..]) {
                    Ok(n) => {
                        i += n;
                        continue;
                    }
                    Err(n) => declined_until = i + n,
                }
            }
            let b = block[i];
            // The common bytes go the short way: `step` would do the same.
            // (No CR before them: that ends a line, which `step` counts.)
            if !self.after_cr && self.state != State::Quoted {
                if b == self.delimiter {
                    self.fields += 1;
                    self.field_bytes = 0;
                    self.state = State::StartField;
                    if self.fields > MAX_FIELDS {
                        return Err(Breach::TooManyFields {
                            line: self.record_line,
                        });
                    }
                    self.count()?;
                    self.offset += 1;
                    i += 1;
                    continue;
                }
                if !self.special[usize::from(b)] {
                    self.state = State::Unquoted;
                }
            }
            // Inside a field, a run of ordinary bytes only moves the counts:
            // skipped at once, this scan keeps pace with reading the file.
            if !self.after_cr && matches!(self.state, State::Unquoted | State::Quoted) {
                let rest = &block[i..];
                let run = rest
                    .iter()
                    .position(|&b| self.special[usize::from(b)])
                    .unwrap_or(rest.len());
                if run > 0 {
                    self.skip_ordinary(run)?;
                    i += run;
                    continue;
                }
            }
            self.step(b)?;
            self.offset += 1;
            i += 1;
        }
        Ok(())
    }

    /// Take 64 bytes at once when they hold no quote, CR or control byte
    /// and break no bound: then only line feeds end records and delimiters
    /// end fields, and every count moves as `step` would move it. False
    /// (nothing taken) otherwise, for the other ways to take them.
    fn chunk(&mut self, chunk: &[u8; 64]) -> bool {
        let Masks {
            line_feeds,
            delimiters,
            special,
        } = masks(chunk, self.delimiter);
        if special != 0 {
            return false;
        }
        // The record and field going on when the chunk starts end at its
        // first line feed (or go past it): only they can break a bound.
        let first_end = line_feeds.trailing_zeros() as usize; // 64: none
        let before = if first_end == 64 {
            u64::MAX
        } else {
            (1u64 << first_end) - 1
        };
        let fields = self.fields + (delimiters & before).count_ones() as usize;
        let first_field = self.field_bytes
            + match delimiters & before {
                0 => first_end,
                d => d.trailing_zeros() as usize,
            };
        if fields > MAX_FIELDS
            || first_field > MAX_FIELD_BYTES
            || self.record_bytes + first_end > MAX_RECORD_BYTES
        {
            return false;
        }
        let base = self.offset;
        let mut start = 0; // where the current record's bytes in the chunk begin
        let mut ends = line_feeds;
        while ends != 0 {
            let at = ends.trailing_zeros() as usize;
            ends &= ends - 1;
            // `step` of the line feed: a new line, and the record ends.
            self.line += 1;
            self.offset = base + at as u64;
            self.end_record(b'\n');
            start = at + 1;
        }
        // The bytes after the last line feed: part of a record going on.
        let tail = 64 - start;
        let tail_mask = if start == 64 { 0 } else { u64::MAX << start };
        let tail_delimiters = delimiters & tail_mask;
        if line_feeds == 0 {
            self.fields = fields;
            // The bytes after the last delimiter, if any.
            self.field_bytes = match delimiters {
                0 => self.field_bytes + 64,
                d => d.leading_zeros() as usize,
            };
            self.record_bytes += 64;
        } else {
            self.fields += tail_delimiters.count_ones() as usize;
            self.field_bytes = match tail_delimiters {
                0 => tail,
                d => d.leading_zeros() as usize,
            };
            self.record_bytes = tail;
        }
        self.offset = base + 64;
        self.state = if chunk[63] == b'\n' || chunk[63] == self.delimiter {
            State::StartField
        } else {
            State::Unquoted
        };
        true
    }

    /// The bytes up to the next line end or quote, outside quotes, taken at
    /// once when none of them is a control byte and they break no bound:
    /// only fields, field and record lengths move, as `step` would move
    /// them. Ok(bytes taken), or Err(the stretch's length) for `step` to
    /// take byte by byte.
    fn stretch(&mut self, rest: &[u8]) -> Result<usize, usize> {
        let n = memchr::memchr3(b'\n', b'\r', b'"', rest).unwrap_or(rest.len());
        let stretch = &rest[..n];
        if n == 0
            || self.field_bytes + n > MAX_FIELD_BYTES
            || self.record_bytes + n > MAX_RECORD_BYTES
            || control_bytes(stretch)
        {
            return Err(n);
        }
        let delimiter = self.delimiter;
        let delimiters = stretch.iter().filter(|&&b| b == delimiter).count();
        if self.fields + delimiters > MAX_FIELDS {
            return Err(n);
        }
        let last = match memchr::memrchr(delimiter, stretch) {
            Some(at) => n - at - 1,
            None => self.field_bytes + n,
        };
        self.fields += delimiters;
        self.field_bytes = last;
        self.record_bytes += n;
        self.offset += n as u64;
        self.state = if last == 0 {
            State::StartField
        } else {
            State::Unquoted
        };
        Ok(n)
    }

    /// `run` bytes inside a field that `step` would only count; the bound
    /// they break first, as `step` would find it byte by byte.
    fn skip_ordinary(&mut self, run: usize) -> Result<(), Breach> {
        let field_room = MAX_FIELD_BYTES - self.field_bytes;
        let record_room = MAX_RECORD_BYTES - self.record_bytes;
        if run > field_room.min(record_room) {
            let line = self.record_line;
            return Err(if field_room <= record_room {
                Breach::FieldTooLong { line }
            } else {
                Breach::RecordTooLong { line }
            });
        }
        self.field_bytes += run;
        self.record_bytes += run;
        self.offset += run as u64;
        Ok(())
    }

    /// Note a split point at every record start after an LF (for tests
    /// that parse a small file in many parts).
    #[cfg(test)]
    pub(crate) fn split_everywhere(mut self) -> Scanner {
        self.next_split = 0;
        self
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Where the records may be parsed apart: (byte offset, line) of record
    /// starts just after an LF outside quotes, in increasing order.
    pub fn splits(&self) -> &[(u64, u64)] {
        &self.splits
    }

    /// The byte at `offset` is an LF that ends a record.
    fn note_split(&mut self) {
        let next = self.offset + 1;
        if next >= self.next_split {
            self.splits.push((next, self.line));
            self.next_split = if self.next_split == 0 {
                0
            } else {
                next + SPLIT_BYTES
            };
        }
    }

    fn step(&mut self, b: u8) -> Result<(), Breach> {
        if b == 0 {
            return Err(Breach::Nul {
                offset: self.offset,
            });
        }
        if b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n' | 0x0c) {
            self.controls += 1;
        }
        // A line ends at LF, at CRLF, and at a CR alone (old Mac files), in
        // quotes or not, as `records::Records::line` counts them.
        if b == b'\n' || self.after_cr {
            self.line += 1;
        }
        self.after_cr = b == b'\r';
        if self.state == State::AfterCr {
            self.state = State::StartField;
            if b == b'\n' {
                self.note_split();
                return Ok(());
            }
        }
        let in_quotes = self.state == State::Quoted;
        if !in_quotes && (b == b'\n' || b == b'\r') {
            self.end_record(b);
            return Ok(());
        }
        if !in_quotes && b == self.delimiter {
            self.fields += 1;
            self.field_bytes = 0;
            self.state = State::StartField;
            if self.fields > MAX_FIELDS {
                return Err(Breach::TooManyFields {
                    line: self.record_line,
                });
            }
            return self.count();
        }
        self.state = match (self.state, b) {
            (State::StartField, b'"') => State::Quoted,
            (State::StartField, _) => State::Unquoted,
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            // After the closing quote the field goes on unquoted.
            (State::QuoteInQuoted, _) => State::Unquoted,
            (s, _) => s,
        };
        self.field_bytes += 1;
        if self.field_bytes > MAX_FIELD_BYTES {
            return Err(Breach::FieldTooLong {
                line: self.record_line,
            });
        }
        self.count()
    }

    fn count(&mut self) -> Result<(), Breach> {
        self.record_bytes += 1;
        if self.record_bytes > MAX_RECORD_BYTES {
            return Err(Breach::RecordTooLong {
                line: self.record_line,
            });
        }
        Ok(())
    }

    fn end_record(&mut self, b: u8) {
        self.state = if b == b'\r' {
            State::AfterCr
        } else {
            self.note_split();
            State::StartField
        };
        self.fields = 1;
        self.field_bytes = 0;
        self.record_bytes = 0;
        // The next record starts on the next line: an LF has been counted
        // already; a CR is counted by the byte after it (unless that is the
        // LF of a CRLF, which counts itself).
        self.record_line = self.line + u64::from(b == b'\r');
    }

    /// The end of the file: a quoted field still open means it was cut off.
    pub fn finish(&self) -> Result<(), Breach> {
        if self.state == State::Quoted {
            return Err(Breach::UnclosedQuote {
                line: self.record_line,
            });
        }
        Ok(())
    }

    /// Share of control bytes, in per mille of the bytes seen.
    pub fn controls_per_mille(&self) -> u64 {
        self.controls * 1000 / self.offset.max(1)
    }
}

/// Bit `i` set where byte `i` of a chunk is a line feed, the delimiter, or
/// one that `Scanner::chunk` leaves to the other ways (a quote, a CR, or a
/// control byte other than tab and form feed).
struct Masks {
    line_feeds: u64,
    delimiters: u64,
    special: u64,
}

fn masks(chunk: &[u8; 64], delimiter: u8) -> Masks {
    use super::bytemask::{control, equal};
    let line_feeds = equal(chunk, b'\n');
    let allowed = line_feeds | equal(chunk, b'\t') | equal(chunk, 0x0c);
    Masks {
        line_feeds,
        delimiters: equal(chunk, delimiter),
        special: equal(chunk, b'"') | equal(chunk, b'\r') | (control(chunk) & !allowed),
    }
}

/// Whether `bytes` hold a control byte other than tab and form feed.
/// Every byte is looked at, without stopping at the first found, so the
/// compiler checks many at once: a stretch almost never has one.
fn control_bytes(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |found, &b| {
        found | (b < 0x20 && b != b'\t' && b != 0x0c)
    })
}

#[cfg(test)]
mod tests;
