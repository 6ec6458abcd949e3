//! URL path segments built from untrusted values.

/// `raw` percent-encoded as one URL path segment, or `None` when no encoding can keep it
/// one segment.
///
/// Everything but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`) is
/// percent-encoded as UTF-8, so `/`, `?`, `#`, `%`, spaces and non-ASCII cannot change
/// the path, the query or the fragment. `""`, `"."` and `".."` are refused: URL parsers
/// (WHATWG, and so `fetch` and `reqwest`) treat `.` / `..` and their encodings `%2e` /
/// `%2e%2e` as dot-segments and remove them, and an empty segment changes the path's
/// shape.
///
/// ```
/// use support_http::encode_path_segment;
///
/// assert_eq!(encode_path_segment("01HRUN").as_deref(), Some("01HRUN"));
/// assert_eq!(encode_path_segment("a/b?c#d e").as_deref(), Some("a%2Fb%3Fc%23d%20e"));
/// assert_eq!(encode_path_segment("../x").as_deref(), Some("..%2Fx"));
/// assert_eq!(encode_path_segment(".."), None);
/// ```
pub fn encode_path_segment(raw: &str) -> Option<String> {
    if matches!(raw, "" | "." | "..") {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    for &byte in raw.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::encode_path_segment;

    #[test]
    fn unreserved_characters_stay() {
        assert_eq!(
            encode_path_segment("01HZ-run_id.v2~x").as_deref(),
            Some("01HZ-run_id.v2~x")
        );
    }

    #[test]
    fn everything_else_is_encoded() {
        let cases = [
            ("a/b", "a%2Fb"),
            ("a?b=c", "a%3Fb%3Dc"),
            ("a#frag", "a%23frag"),
            ("a b", "a%20b"),
            ("100%", "100%25"),
            ("../../fn/register", "..%2F..%2Ffn%2Fregister"),
            ("...", "..."),
            ("é", "%C3%A9"),
            ("a\\b", "a%5Cb"),
            ("a;b", "a%3Bb"),
            ("\r\n", "%0D%0A"),
        ];
        for (raw, encoded) in cases {
            assert_eq!(
                encode_path_segment(raw).as_deref(),
                Some(encoded),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn dot_segments_and_empty_are_refused() {
        for raw in ["", ".", ".."] {
            assert_eq!(encode_path_segment(raw), None, "{raw:?}");
        }
    }
}
