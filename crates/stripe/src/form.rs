//! `application/x-www-form-urlencoded` bodies and query strings, as Stripe reads them.

/// A form in Stripe's bracket notation: `a=1&metadata[k]=v&expand[]=x`.
///
/// Names and values are percent-encoded as UTF-8 (everything but `A-Z a-z 0-9 - . _ ~`,
/// so `&`, `=`, `+`, `%`, `#`, brackets and spaces inside them cannot change the
/// structure); the brackets of the notation itself stay literal. Pairs keep the order
/// they were added in, so bodies are deterministic.
///
/// ```
/// use support_stripe::Form;
///
/// let form = Form::new()
///     .field("charge", "ch_1")
///     .nested("metadata", "note", "a&b=c d")
///     .list("expand", "charge");
/// assert_eq!(form.encode(), "charge=ch_1&metadata[note]=a%26b%3Dc%20d&expand[]=charge");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    encoded: String,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// `name=value`.
    pub fn field(mut self, name: &str, value: &str) -> Self {
        self.separator();
        encode_into(&mut self.encoded, name);
        self.encoded.push('=');
        encode_into(&mut self.encoded, value);
        self
    }

    /// `name[key]=value` (a hash entry such as `metadata[key]`).
    pub fn nested(mut self, name: &str, key: &str, value: &str) -> Self {
        self.separator();
        encode_into(&mut self.encoded, name);
        self.encoded.push('[');
        encode_into(&mut self.encoded, key);
        self.encoded.push_str("]=");
        encode_into(&mut self.encoded, value);
        self
    }

    /// `name[]=value` (one element of an array such as `expand[]`).
    pub fn list(mut self, name: &str, value: &str) -> Self {
        self.separator();
        encode_into(&mut self.encoded, name);
        self.encoded.push_str("[]=");
        encode_into(&mut self.encoded, value);
        self
    }

    /// Whether no pair was added.
    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty()
    }

    /// The encoded form, without a leading `?`.
    pub fn encode(&self) -> String {
        self.encoded.clone()
    }

    /// The encoded form as a body.
    pub fn into_body(self) -> Vec<u8> {
        self.encoded.into_bytes()
    }

    fn separator(&mut self) {
        if !self.encoded.is_empty() {
            self.encoded.push('&');
        }
    }
}

/// Percent-encode `raw` onto `out`, keeping only RFC 3986 unreserved characters.
fn encode_into(out: &mut String, raw: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in raw.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Form;

    #[test]
    fn reserved_characters_are_encoded() {
        let form = Form::new()
            .field("a", "1")
            .field("q", "x&y=z+w%#/?")
            .field("u", "é ñ")
            .nested("metadata", "a b", "[]")
            .list("expand", "latest_charge");
        assert_eq!(
            form.encode(),
            "a=1&q=x%26y%3Dz%2Bw%25%23%2F%3F&u=%C3%A9%20%C3%B1&metadata[a%20b]=%5B%5D&expand[]=latest_charge"
        );
    }

    #[test]
    fn empty_values_and_forms() {
        assert!(Form::new().is_empty());
        assert_eq!(Form::new().field("a", "").encode(), "a=");
        assert_eq!(Form::new().into_body(), b"");
    }
}
