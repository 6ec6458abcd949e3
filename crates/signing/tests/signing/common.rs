//! Shared inputs for the negative tests.

/// The non-numeric or out-of-range timestamps every scheme must reject as
/// `InvalidTimestamp`.
pub const BAD_TIMESTAMPS: &[&str] = &[
    "abc",
    "1e9",
    "-5",
    "",
    " 123",
    "123 ",
    "+123",
    "12.0",
    "0x10",
    "99999999999999999999",
];

/// [`BAD_TIMESTAMPS`] for `key=value` list headers (`sdk`, `stripe`, `inngest`).
/// Whitespace around each item is trimmed there, so `timestamp=123 ,v1=…` has
/// the valid timestamp `123`. Trailing whitespace is only invalid in
/// single-value headers.
pub fn bad_list_timestamps() -> impl Iterator<Item = &'static str> {
    BAD_TIMESTAMPS
        .iter()
        .copied()
        .filter(|ts| !ts.ends_with(' '))
}

/// The body with its first byte changed.
pub fn one_byte_changed(body: &[u8]) -> Vec<u8> {
    let mut tampered = body.to_vec();
    tampered[0] ^= 0x01;
    tampered
}

/// Hex signatures of the wrong shape (the valid one is 64 lowercase hex characters).
pub fn bad_hex_signatures(valid: &str) -> Vec<String> {
    vec![
        valid[..63].to_owned(),       // odd length
        valid[..62].to_owned(),       // truncated
        format!("{valid}0"),          // 65 characters
        format!("{valid}00"),         // one byte too long
        "zz".repeat(32),              // not hex
        format!("{}g", &valid[..63]), // one non-hex character
        String::new(),                // empty
        "é".repeat(32),               // multibyte
    ]
}

/// Base64 signatures of the wrong shape.
pub fn bad_base64_signatures(valid: &str) -> Vec<String> {
    vec![
        valid[..valid.len() - 4].to_owned(),    // one block short
        valid.trim_end_matches('=').to_owned(), // unpadded
        format!("{valid}AAAA"),                 // too long
        "!!!!".repeat(11),                      // not base64
        "é".repeat(10),                         // multibyte
        hex_of_len(64),                         // valid base64 alphabet, wrong length
    ]
}

fn hex_of_len(n: usize) -> String {
    "a".repeat(n)
}
