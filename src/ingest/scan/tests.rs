use super::*;

/// Feed `text` to `fast` in blocks of `block` bytes and step `slow` over
/// it byte by byte; both must find the same breach, or none, and stop in
/// the same state (every count, and the split points).
fn same_as_stepping(mut fast: Scanner, mut slow: Scanner, text: &[u8], block: usize) {
    let got = (text.chunks(block.max(1)))
        .try_for_each(|b| fast.feed(b))
        .and_then(|()| fast.finish());
    let want = text
        .iter()
        .try_for_each(|&b| {
            slow.step(b)?;
            slow.offset += 1;
            Ok(())
        })
        .and_then(|()| slow.finish());
    let shown = String::from_utf8_lossy(text);
    assert_eq!(got, want, "{shown:?}");
    assert_eq!(
        (fast.line, fast.record_line, fast.fields, fast.field_bytes),
        (slow.line, slow.record_line, slow.fields, slow.field_bytes),
        "{shown:?}"
    );
    assert_eq!(
        (fast.record_bytes, fast.offset, fast.state, fast.controls),
        (slow.record_bytes, slow.offset, slow.state, slow.controls),
        "{shown:?}"
    );
    assert_eq!(fast.splits, slow.splits, "{shown:?}");
}

fn scan(text: &[u8]) -> Result<(), Breach> {
    let mut s = Scanner::new(b',');
    // Feed in awkward block sizes to prove state crosses blocks.
    for block in text.chunks(3) {
        s.feed(block)?;
    }
    s.finish()
}

/// `feed`'s short ways find what stepping byte by byte finds.
#[test]
fn feed_agrees_with_stepping_every_byte() {
    let alphabet = b"ab,;\"\r\n\x01 ";
    let mut seeded = crate::seeded::Seeded::new(7);
    for case in 0..6000 {
        let len = case % 150;
        let text: Vec<u8> = (0..len)
            .map(|_| alphabet[seeded.below(alphabet.len() as u64) as usize])
            .collect();
        // Fed whole, or in blocks of a few bytes: state crosses blocks.
        let block = if case % 2 == 0 {
            text.len()
        } else {
            1 + case % 7
        };
        let scanner = || Scanner::new(b',').split_everywhere();
        same_as_stepping(scanner(), scanner(), &text, block);
    }
}

/// Text of mostly ordinary bytes, taken 64 at a time where it can be,
/// is scanned as stepping byte by byte scans it.
#[test]
fn chunks_agree_with_stepping_every_byte() {
    let mut seeded = crate::seeded::Seeded::new(11);
    let mut next = |n: u64| seeded.below(n);
    for case in 0..3000 {
        let len = 60 + (case * 7) % 400;
        // Rare special bytes, some cases none at all.
        let rare: &[u8] = match case % 3 {
            0 => b"",
            1 => b"\"\r",
            _ => b"\"\r\x01\x00\t\x0c",
        };
        let text: Vec<u8> = (0..len)
            .map(|_| match next(100) {
                0..=11 => b',',
                12..=15 => b'\n',
                16 if !rare.is_empty() => rare[next(rare.len() as u64) as usize],
                17 => 0xC3,
                n => b'a' + (n % 26) as u8,
            })
            .collect();
        let scanner = || match case % 2 {
            0 => Scanner::new(b',').split_everywhere(),
            _ => Scanner::new(b','),
        };
        let block = [text.len(), 64, 100, 7][case % 4];
        same_as_stepping(scanner(), scanner(), &text, block);
    }
}

#[test]
fn ordinary_files_pass() {
    for ok in [
        &b"a,b\r\n1,\"x,\r\ny\"\r\n"[..],
        b"a;b\n\"He said \"\"hi\"\"\",2\n",
        b"a,b\n1,2",
        b"",
        b"a,\"quoted\"tail\n",
        b"a,b\r1,2\r",
    ] {
        assert_eq!(scan(ok), Ok(()), "{:?}", String::from_utf8_lossy(ok));
    }
}

#[test]
fn bounds_and_truncation_are_found_with_their_line() {
    let long = format!("a,b\n1,{}\n", "x".repeat(MAX_FIELD_BYTES + 1));
    assert_eq!(scan(long.as_bytes()), Err(Breach::FieldTooLong { line: 2 }));
    let quoted_long = format!("a,b\r\n1,\"{}", "\n".repeat(MAX_FIELD_BYTES + 1));
    assert_eq!(
        scan(quoted_long.as_bytes()),
        Err(Breach::FieldTooLong { line: 2 })
    );
    let wide = format!("a{}\n", ",".repeat(MAX_FIELDS));
    assert_eq!(
        scan(wide.as_bytes()),
        Err(Breach::TooManyFields { line: 1 })
    );
    let narrow_enough = format!("a{}\n", ",".repeat(MAX_FIELDS - 1));
    assert_eq!(scan(narrow_enough.as_bytes()), Ok(()));
    let row = format!("{}\n", format!("{},", "y".repeat(5000)).repeat(900));
    assert_eq!(scan(row.as_bytes()), Err(Breach::RecordTooLong { line: 1 }));
    assert_eq!(
        scan(b"a,b\n1,2\n3,\"cut off\nhere"),
        Err(Breach::UnclosedQuote { line: 3 })
    );
    assert_eq!(scan(b"a,b\n1,\x002\n"), Err(Breach::Nul { offset: 6 }));
    // Every kind of line end counts: CR alone, CRLF, LF, in quotes too.
    for (head, line) in [
        ("a,b\r1,2\r", 3),
        ("a,b\r\n1,2\r\n", 3),
        ("a,b\r\r1,\"x\ry\"\r", 5),
        ("a,b\n\r\n1,2\r", 4),
    ] {
        let text = format!("{head}3,{}\r", "x".repeat(MAX_FIELD_BYTES + 1));
        assert_eq!(
            scan(text.as_bytes()),
            Err(Breach::FieldTooLong { line }),
            "{head:?}"
        );
    }
}

#[test]
fn a_delimiter_inside_quotes_is_not_a_field() {
    let many = format!("a,\"{}\"\n", ",".repeat(MAX_FIELDS * 2));
    assert_eq!(scan(many.as_bytes()), Ok(()));
    let mut s = Scanner::new(b';');
    s.feed(format!("a{}\n", ",".repeat(MAX_FIELDS * 2)).as_bytes())
        .unwrap();
}
