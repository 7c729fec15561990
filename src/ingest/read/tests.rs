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
fn the_first_line_alone_gives_the_delimiter() {
    // As `detect_delimiter` of the whole text decoded: blank lines,
    // `\r\n`, invalid UTF-8 and no line break at all.
    let cases: [&[u8]; 8] = [
        b"SCN;Subject\n1,2,3,4\n",
        b"\n \t\r\n\"a;b\",c,d\n",
        b"\r\n\r\nSCN\tName\r\n",
        b"SCN,\xff;;\n",
        b"\xef\xbb\xbfSCN;Name;Stage",
        b"",
        b"\n\n",
        b"  \nSCN\n",
    ];
    for bytes in cases {
        let whole = detect_delimiter(&String::from_utf8_lossy(bytes));
        assert_eq!(delimiter_of(bytes), whole, "{bytes:?}");
    }
}

#[test]
fn split_points_carry_over_to_the_decoded_text() {
    for bytes in [
        &b"\xEF\xBB\xBFSCN,Name\n1,Ren\xc3\xa9e\n2,\"a\nb\"\n3,\xc3\xa9\n"[..],
        b"SCN,Name\r\n1,Ren\xe9e\r\n2,\"\x80\r\nb\"\r\n3,\xe9\xe9\r\n4,x\r\n",
    ] {
        let mut scan = Scanner::new(b',').split_everywhere();
        scan.feed(bytes).unwrap();
        let (text, _, splits) = decode_split("f", bytes, scan.splits()).unwrap();
        assert_eq!(splits.len(), scan.splits().len() - 1, "{splits:?}");
        for ((at, line), (raw_at, raw_line)) in splits.iter().zip(scan.splits()) {
            assert_eq!(line, raw_line);
            let (head, _) = decode("f", &bytes[..*raw_at as usize]).unwrap();
            assert_eq!(&text[..*at], head);
        }
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

/// A Windows-1252 or byte-order-marked export of more than one piece is
/// held as its bytes and decoded a piece at a time; its pieces make the
/// text the whole file decodes to, and start on the same lines.
#[test]
fn pieces_decoded_apart_make_the_whole_text() {
    let text = "SCN,Name\r\n1,Renée\r\n2,\"é\r\nb\"\r\n3,ÉÈ\r\n4,x";
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    for (bytes, windows_1252) in [(cp1252.into_owned(), true), (bom, false)] {
        let raw = from_bytes_split_everywhere("f".into(), bytes.clone()).unwrap();
        assert_eq!(raw.lazy, Some(Lazy { windows_1252 }));
        assert_eq!(raw.text, "SCN,Name\r\n", "only the first piece is decoded");
        let pieces = raw.pieces();
        let joined: String = pieces.iter().map(|p| p.text("f").unwrap()).collect();
        assert_eq!(joined, text);
        let lines: Vec<_> = pieces.iter().map(|p| (p.line, p.has_header)).collect();
        assert_eq!(
            lines,
            [(1, true), (2, false), (3, false), (5, false), (6, false)]
        );
        assert!(!raw.ends_with_line_break());
        assert_eq!(raw.into_bytes(), bytes);
    }
    // Plain UTF-8 is its own text, and a file of one piece is decoded whole.
    let raw = from_bytes_split_everywhere("f".into(), text.as_bytes().to_vec()).unwrap();
    assert_eq!((raw.lazy, raw.text.as_str()), (None, text));
    let raw = from_bytes("f".into(), b"SCN\r\n1\r\n\xe9\r\n".to_vec()).unwrap();
    assert_eq!((raw.lazy, raw.text.as_str()), (None, "SCN\r\n1\r\né\r\n"));
    assert!(raw.ends_with_line_break());
}
