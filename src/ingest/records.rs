//! The records of a piece of an export's text, read exactly as the `csv`
//! crate reads them (`super::text_reader`: the given delimiter, quotes,
//! `\r`, `\n` or `\r\n` ending a record, blank lines skipped), but without
//! copying: a record with no quote in it is split where it lies, its fields
//! borrowed from the text. Only a record with a quote is handed to
//! `csv_core`, which unescapes its fields into a buffer. Most SEEMiS rows
//! have no quote, and `csv`'s copying state machine was a quarter of
//! parsing a row.

/// What a byte is to the splitter (see [`Records::class`]).
const ORDINARY: u8 = 0;
const DELIMITER: u8 = 1;
const LINE_END: u8 = 2;
const QUOTE: u8 = 3;

pub(super) struct Records<'t> {
    text: &'t [u8],
    /// Where the next record (or the line ends before it) starts.
    pos: usize,
    class: [u8; 256],
    /// Built when the first record with a quote is met: building its
    /// table is most of starting to read a small part, and most parts have
    /// no quote.
    core: Option<csv_core::Reader>,
    delimiter: u8,
    /// The unescaped fields of a record with a quote, end to end.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// The current record's fields: (start, end) in the text, or in `out`
    /// when `quoted`.
    spans: Vec<(usize, usize)>,
    quoted: bool,
    /// Byte offset in the text where the current record starts.
    start: usize,
    /// Records read so far, the current one included.
    count: u64,
    /// The line of the current record's start, and of `pos`.
    line: u64,
    next_line: u64,
}

impl<'t> Records<'t> {
    /// The records of `text`, whose first byte is on line `first_line`.
    pub fn new(text: &'t [u8], delimiter: u8, first_line: u64) -> Records<'t> {
        assert!(
            delimiter.is_ascii() && !matches!(delimiter, b'"' | b'\r' | b'\n'),
            "a delimiter is one ASCII byte other than a quote or a line end"
        );
        let mut class = [ORDINARY; 256];
        class[usize::from(delimiter)] = DELIMITER;
        class[usize::from(b'\r')] = LINE_END;
        class[usize::from(b'\n')] = LINE_END;
        class[usize::from(b'"')] = QUOTE;
        // `csv` skips a UTF-8 byte-order mark at the start of what it reads.
        let pos = if text.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        Records {
            text,
            pos,
            class,
            core: None,
            delimiter,
            out: Vec::new(),
            ends: Vec::new(),
            spans: Vec::new(),
            quoted: false,
            start: 0,
            count: 0,
            line: first_line,
            next_line: first_line,
        }
    }

    /// Move to the next record; false at the end of the text.
    pub fn advance(&mut self) -> bool {
        let text = self.text;
        // Line ends between records are skipped, as blank lines are.
        let skipped = self.pos;
        while self.pos < text.len() && self.class[usize::from(text[self.pos])] == LINE_END {
            self.pos += 1;
        }
        self.next_line += self.line_ends(skipped, self.pos);
        if self.pos >= text.len() {
            return false;
        }
        self.start = self.pos;
        self.line = self.next_line;
        self.count += 1;
        self.spans.clear();
        self.quoted = false;
        let mut field = self.pos;
        let mut i = self.pos;
        // 64 bytes at a time: their delimiters end fields, and the first
        // line end or quote ends the stretch taken this way.
        while let Some(chunk) = text.get(i..i + 64) {
            let (delimiters, stops) = masks(chunk.try_into().expect("64 bytes"), self.delimiter);
            let before = match stops {
                0 => u64::MAX,
                s => (1u64 << s.trailing_zeros()) - 1,
            };
            let mut d = delimiters & before;
            while d != 0 {
                let at = i + d.trailing_zeros() as usize;
                self.spans.push((field, at));
                field = at + 1;
                d &= d - 1;
            }
            if stops == 0 {
                i += 64;
                continue;
            }
            i += stops.trailing_zeros() as usize;
            if text[i] == b'"' {
                self.read_quoted();
                return true;
            }
            self.spans.push((field, i));
            self.pos = i;
            return true;
        }
        while i < text.len() {
            match self.class[usize::from(text[i])] {
                ORDINARY => {}
                DELIMITER => {
                    self.spans.push((field, i));
                    field = i + 1;
                }
                LINE_END => break,
                _ => {
                    self.read_quoted();
                    return true;
                }
            }
            i += 1;
        }
        self.spans.push((field, i));
        self.pos = i;
        true
    }

    /// The current record, which holds a quote, read by `csv_core` from its
    /// start.
    fn read_quoted(&mut self) {
        use csv_core::ReadRecordResult::{End, InputEmpty, OutputEndsFull, OutputFull, Record};
        let delimiter = self.delimiter;
        let core = (self.core)
            .get_or_insert_with(|| csv_core::ReaderBuilder::new().delimiter(delimiter).build());
        core.reset();
        self.quoted = true;
        self.spans.clear();
        self.out.resize(self.out.len().max(256), 0);
        self.ends.resize(self.ends.len().max(32), 0);
        let (mut nout, mut nend) = (0, 0);
        let mut at = self.start;
        loop {
            // Once the text is used up, reading no input ends the record.
            let (result, nin, o, e) = core.read_record(
                &self.text[at..],
                &mut self.out[nout..],
                &mut self.ends[nend..],
            );
            at += nin;
            nout += o;
            nend += e;
            match result {
                OutputFull => self.out.resize(self.out.len() * 2, 0),
                OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                InputEmpty => {}
                Record | End => break,
            }
        }
        // Line ends inside its quotes, and the one csv_core took after it.
        self.next_line += self.line_ends(self.start, at);
        self.pos = at;
        let mut start = 0;
        for &end in &self.ends[..nend] {
            self.spans.push((start, end));
            start = end;
        }
    }

    /// The lines that end in `text[from..to]`: at each LF, and at each CR
    /// not followed by an LF (an old Mac file's line end), as the file is
    /// seen in an editor. The csv crate's own count is off by one after a
    /// CRLF, and people open the file at the line we name.
    fn line_ends(&self, from: usize, to: usize) -> u64 {
        let text = self.text;
        // Between two records, most often one LF.
        if to == from + 1 && text[from] == b'\n' {
            return 1;
        }
        memchr::memchr2_iter(b'\n', b'\r', &text[from..to])
            .filter(|&i| text[from + i] == b'\n' || text.get(from + i + 1) != Some(&b'\n'))
            .count() as u64
    }

    /// The line on which the current record starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The current record's byte offset in the text.
    #[cfg(test)]
    pub fn position(&self) -> usize {
        self.start
    }

    /// How many records have been read, the current one included.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The current record's number of fields.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Field `i` of the current record.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let &(start, end) = self.spans.get(i)?;
        Some(match self.quoted {
            true => &self.out[start..end],
            false => &self.text[start..end],
        })
    }
}

/// Bit `i` set where byte `i` of a chunk is the delimiter, and where it is
/// a line end or a quote.
fn masks(chunk: &[u8; 64], delimiter: u8) -> (u64, u64) {
    use super::bytemask::equal;
    let stops = equal(chunk, b'\n') | equal(chunk, b'\r') | equal(chunk, b'"');
    (equal(chunk, delimiter), stops)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// (position, line, fields) of every record, as `Records` reads them.
    fn ours(text: &[u8], delimiter: u8) -> Vec<(usize, u64, Vec<Vec<u8>>)> {
        let mut r = Records::new(text, delimiter, 1);
        let mut all = Vec::new();
        while r.advance() {
            let fields = (0..r.len()).map(|i| r.get(i).unwrap().to_vec()).collect();
            all.push((r.position(), r.line(), fields));
        }
        all
    }

    /// Fields of every record, as the `csv` crate reads them.
    fn theirs(text: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut record = csv::ByteRecord::new();
        let mut all = Vec::new();
        while reader.read_byte_record(&mut record).unwrap() {
            all.push(record.iter().map(<[u8]>::to_vec).collect());
        }
        all
    }

    fn check(text: &[u8], delimiter: u8) {
        let ours = ours(text, delimiter);
        let fields: Vec<_> = ours.iter().map(|(_, _, f)| f.clone()).collect();
        assert_eq!(
            fields,
            theirs(text, delimiter),
            "{:?}",
            String::from_utf8_lossy(text)
        );
        for (at, line, _) in &ours {
            // Its line: one more than the line ends before it, an LF or a
            // CR not followed by one, counted byte by byte.
            let ends = (0..*at)
                .filter(|&i| {
                    text[i] == b'\n' || (text[i] == b'\r' && text.get(i + 1) != Some(&b'\n'))
                })
                .count() as u64;
            assert_eq!(
                *line,
                1 + ends,
                "{:?} at {at}",
                String::from_utf8_lossy(text)
            );
            // A record starts after a line end (or at the start), on a byte
            // that is not one.
            assert!(!matches!(text[*at], b'\r' | b'\n'));
            assert!(*at == 0 || *at == 3 || matches!(text[at - 1], b'\r' | b'\n'));
        }
    }

    #[test]
    fn records_are_read_as_csv_reads_them() {
        let cases: &[&str] = &[
            "",
            "\n",
            "\r\n\r\n",
            "a",
            "a,b,c",
            "a,b,c\n",
            "a,b\r\nc,d\r\n",
            "a,b\rc,d\r",
            "a,,\n,,\n\n\n,\n",
            "\u{FEFF}SCN,Name\n1,Anné\n",
            "\"a,b\",c\nd,\"e\"\"f\"\n",
            "\"line\nbreak\",x\r\ny,z",
            "ab\"c,d\n",
            "\"open at the end",
            "\"closed\"after,x\n",
            "a,\"\"\n\"\",b",
            "x,\"q\"\r\n\r\ny",
        ];
        for text in cases {
            for delimiter in [b',', b';', b'\t'] {
                check(text.as_bytes(), delimiter);
            }
        }
    }

    #[test]
    fn a_long_quoted_record_grows_the_buffers() {
        let field = "x".repeat(1000);
        let record: Vec<String> = (0..100).map(|i| format!("\"{field}{i}\"")).collect();
        let text = format!("{}\nlast\n", record.join(","));
        check(text.as_bytes(), b',');
    }

    proptest! {
        #[test]
        fn any_text_is_read_as_csv_reads_it(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'a'), Just(b','), Just(b';'), Just(b'"'), Just(b'\r'),
                    Just(b'\n'), Just(b' '), Just(0xC3), Just(0xA9)
                ],
                0..80,
            ),
            long in proptest::collection::vec(
                prop_oneof![
                    10 => Just(b'a'), 3 => Just(b','), 1 => Just(b'"'), 1 => Just(b'\r'),
                    2 => Just(b'\n'), 1 => Just(b';')
                ],
                0..400,
            ),
            semicolon in any::<bool>(),
        ) {
            check(&bytes, if semicolon { b';' } else { b',' });
            check(&long, if semicolon { b';' } else { b',' });
        }
    }
}
