//! Form bodies and query strings (`application/x-www-form-urlencoded`).

/// The fields of a form body or query string, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Parse `a=1&b=two+words` (percent-decoding, `+` as space).
    pub fn parse(input: &[u8]) -> Fields {
        Fields(
            form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, when not empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// `a=1&b=x%20y` from pairs, skipping empty values.
pub fn query(pairs: &[(&str, Option<&str>)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.append_pair(k, v);
        }
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_as_browsers_encode() {
        let f = Fields::parse(b"csrf=a%2Bb&reply=Hi+there%0Aline&id=1&id=2&empty=");
        assert_eq!(f.get("csrf"), Some("a+b"));
        assert_eq!(f.get("reply"), Some("Hi there\nline"));
        assert_eq!(f.all("id"), vec!["1", "2"]);
        assert_eq!(f.text("empty"), None);
        assert_eq!(f.get("missing"), None);
        assert_eq!(
            query(&[("app", Some("a b")), ("kind", None), ("x", Some(""))]),
            "app=a+b"
        );
    }
}
