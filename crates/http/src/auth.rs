//! `Authorization` header parsing.

/// The token of an `Authorization: Bearer <token>` header value, or `None` when the
/// value is not Bearer credentials.
///
/// The scheme is matched case-insensitively (RFC 7235 §2.1: `bearer`, `BEARER` and
/// `Bearer` are the same scheme) and may be followed by one or more spaces; whitespace
/// around the whole value is ignored. The token is returned as sent (tokens are
/// case-sensitive). An empty token, or one with whitespace inside, is `None`.
///
/// ```
/// use support_http::bearer_token;
///
/// assert_eq!(bearer_token("Bearer abc.def"), Some("abc.def"));
/// assert_eq!(bearer_token("bearer abc"), Some("abc"));
/// assert_eq!(bearer_token("BEARER   abc "), Some("abc"));
/// assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), None);
/// assert_eq!(bearer_token("Bearer"), None);
/// assert_eq!(bearer_token("Bearerabc"), None);
/// ```
pub fn bearer_token(header_value: &str) -> Option<&str> {
    const SCHEME: &str = "bearer";
    let value = header_value.trim_matches(is_ows);
    // `get` keeps this char-boundary safe on any input.
    let scheme = value.get(..SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let rest = &value[SCHEME.len()..];
    let token = rest.trim_start_matches(' ');
    if token.len() == rest.len() || token.is_empty() || token.contains(char::is_whitespace) {
        return None;
    }
    Some(token)
}

/// HTTP optional whitespace: space and horizontal tab.
fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_scheme_is_case_insensitive() {
        for value in [
            "Bearer tok",
            "bearer tok",
            "BEARER tok",
            "bEaReR tok",
            "Bearer   tok",
            "  Bearer tok\t",
        ] {
            assert_eq!(bearer_token(value), Some("tok"), "{value:?}");
        }
    }

    #[test]
    fn the_token_is_kept_as_sent() {
        assert_eq!(
            bearer_token("Bearer signkey-prod-ABCdef=="),
            Some("signkey-prod-ABCdef==")
        );
    }

    #[test]
    fn anything_else_is_none() {
        for value in [
            "",
            "Bearer",
            "Bearer ",
            "Bearer    ",
            "Bearertok",
            "Bearer\ttok",
            "Bearer a b",
            "Basic dXNlcjpwYXNz",
            "Token tok",
            "tok",
            "Beare tok",
            "Bé tok",
            "Bearé tok",
            "日本語日本語 tok",
        ] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
    }
}
