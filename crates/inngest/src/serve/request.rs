//! What the handler reads of a request: the headers it looks at, the query, and the
//! origin/path split of a URL.

/// The request headers the handler looks at.
#[derive(Debug, Clone, Default)]
pub(super) struct RequestHeaders {
    pub(super) signature: Option<String>,
    pub(super) server_kind: Option<String>,
    /// `x-request-id`: echoed in checkpoint reports.
    pub(super) request_id: Option<String>,
    /// `x-inngest-generation-id`: echoed in checkpoint reports (an integer).
    pub(super) generation_id: Option<i64>,
}

impl RequestHeaders {
    /// The first of each header, names in any case.
    pub(super) fn collect<'h>(headers: impl IntoIterator<Item = (&'h str, &'h str)>) -> Self {
        let mut out = Self::default();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("x-inngest-signature") && out.signature.is_none() {
                out.signature = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("x-inngest-server-kind")
                && out.server_kind.is_none()
            {
                out.server_kind = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("x-request-id") && out.request_id.is_none() {
                out.request_id = Some(value.to_owned());
            } else if name.eq_ignore_ascii_case("x-inngest-generation-id")
                && out.generation_id.is_none()
            {
                out.generation_id = value.trim().parse().ok();
            }
        }
        out
    }
}

/// The decoded query of a URL (fragment ignored).
pub(super) fn parse_query(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let query = query.split('#').next().unwrap_or_default();
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of a query parameter.
pub(super) fn query_get<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `https://host:port/path?q` → (`https://host:port`, `/path`); no scheme → (``, url).
pub(super) fn split_origin(url: &str) -> (String, String) {
    let without_query = url.split('?').next().unwrap_or_default();
    let Some(scheme_end) = without_query.find("://") else {
        return (String::new(), without_query.to_owned());
    };
    let after = &without_query[scheme_end + 3..];
    match after.find('/') {
        Some(slash) => (
            without_query[..scheme_end + 3 + slash].to_owned(),
            after[slash..].to_owned(),
        ),
        None => (without_query.to_owned(), "/".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_split_from_paths() {
        assert_eq!(
            split_origin("https://a.example:8443/api/inngest?x=1"),
            (
                "https://a.example:8443".to_owned(),
                "/api/inngest".to_owned()
            )
        );
        assert_eq!(
            split_origin("https://a.example"),
            ("https://a.example".to_owned(), "/".to_owned())
        );
        assert_eq!(
            split_origin("/api/inngest"),
            (String::new(), "/api/inngest".to_owned())
        );
    }

    #[test]
    fn queries_are_decoded_without_the_fragment() {
        let query = parse_query("/api?fnId=app-f%20n&stepId=step#frag");
        assert_eq!(query_get(&query, "fnId"), Some("app-f n"));
        assert_eq!(query_get(&query, "stepId"), Some("step"));
        assert_eq!(query_get(&query, "missing"), None);
        assert!(parse_query("/api").is_empty());
    }
}
