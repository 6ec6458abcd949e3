//! Stripe's error answers: `{"error": {"type", "code", "message", "param", "doc_url"}}`.

use serde_json::{json, Map, Value};

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    /// `error.type`.
    pub kind: String,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<String>,
    /// Whether an idempotency key keeps this answer. Stripe saves a result once the
    /// endpoint started executing; a request refused while its parameters were
    /// validated saves nothing, so the same key may be used again.
    pub saved: bool,
}

impl ApiError {
    /// A 400 `invalid_request_error` from parameter validation (not saved for the
    /// idempotency key).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            kind: "invalid_request_error".into(),
            code: None,
            message: message.into(),
            param: None,
            saved: false,
        }
    }

    /// A 400 `invalid_request_error` met while executing (saved for the key).
    pub fn refused(code: &str, message: impl Into<String>) -> Self {
        Self {
            saved: true,
            ..Self::invalid(message).code(code)
        }
    }

    /// 404 `resource_missing`: `No such charge: 'ch_…'`.
    pub fn missing(object: &str, id: &str, param: &str) -> Self {
        Self {
            status: 404,
            saved: true,
            ..Self::invalid(format!("No such {object}: '{id}'"))
                .code("resource_missing")
                .param(param)
        }
    }

    /// 403 `account_invalid`: the key may not see the account, or no such account
    /// exists (Stripe does not say which). The key is named masked, as Stripe does.
    pub fn account_invalid(key: Option<&str>, account: &str) -> Self {
        Self {
            status: 403,
            ..Self::invalid(format!(
                "The provided key '{}' does not have access to account '{account}' (or that account does not exist). Application access may have been revoked.",
                masked_key(key.unwrap_or("sk_"))
            ))
            .code("account_invalid")
        }
    }

    /// 400 `parameter_unknown`.
    pub fn unknown_parameter(name: &str) -> Self {
        Self::invalid(format!("Received unknown parameter: {name}"))
            .code("parameter_unknown")
            .param(name)
    }

    /// 401 `authentication_error`.
    pub fn authentication(message: &str) -> Self {
        Self {
            status: 401,
            kind: "authentication_error".into(),
            ..Self::invalid(message)
        }
    }

    /// With this `error.code`.
    pub fn code(mut self, code: &str) -> Self {
        self.code = Some(code.to_owned());
        self
    }

    /// With this `error.param`.
    pub fn param(mut self, param: &str) -> Self {
        self.param = Some(param.to_owned());
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = Map::new();
        if let Some(code) = &self.code {
            error.insert("code".into(), json!(code));
            error.insert(
                "doc_url".into(),
                json!(format!(
                    "https://stripe.com/docs/error-codes/{}",
                    code.replace('_', "-")
                )),
            );
        }
        error.insert("message".into(), json!(self.message));
        if let Some(param) = &self.param {
            error.insert("param".into(), json!(param));
        }
        error.insert("type".into(), json!(self.kind));
        json!({ "error": error })
    }
}

/// A key the way Stripe's messages show it: its `sk_test_` (or `rk_live_`...) prefix,
/// then asterisks, then its last four characters.
pub fn masked_key(key: &str) -> String {
    let prefix_len = key
        .match_indices('_')
        .nth(1)
        .map_or(0, |(i, _)| i + 1)
        .min(key.len());
    let (prefix, rest) = key.split_at(prefix_len);
    let chars: Vec<char> = rest.chars().collect();
    let shown = if chars.len() > 8 { 4 } else { 0 };
    let hidden = chars.len() - shown;
    let tail: String = chars[hidden..].iter().collect();
    format!("{prefix}{}{tail}", "*".repeat(hidden.max(4)))
}

/// An amount the way Stripe's messages write it: `$499.00`, `€12.50`, `12.00 CHF`.
pub fn money(minor: u64, currency: &str) -> String {
    let major = format!("{}.{:02}", minor / 100, minor % 100);
    match currency {
        "usd" => format!("${major}"),
        "eur" => format!("€{major}"),
        "gbp" => format!("£{major}"),
        other => format!("{major} {}", other.to_ascii_uppercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_stripes_shape() {
        assert_eq!(
            ApiError::missing("charge", "ch_x", "id").body(),
            json!({"error": {"code": "resource_missing",
                "doc_url": "https://stripe.com/docs/error-codes/resource-missing",
                "message": "No such charge: 'ch_x'", "param": "id",
                "type": "invalid_request_error"}})
        );
        assert_eq!(
            ApiError::authentication("no key").body(),
            json!({"error": {"message": "no key", "type": "authentication_error"}})
        );
        assert_eq!(money(49900, "usd"), "$499.00");
        assert_eq!(
            masked_key("sk_test_51Habcdefghijklmn4242"),
            "sk_test_*****************4242"
        );
        // A short key shows nothing of itself.
        assert_eq!(masked_key("sk_test_platform"), "sk_test_********");
        assert_eq!(masked_key("x"), "****");
        let body = ApiError::account_invalid(Some("sk_test_platform"), "acct_x").body();
        assert_eq!(body["error"]["code"], "account_invalid");
        assert!(!body.to_string().contains("platform"), "{body}");
        assert_eq!(money(5, "chf"), "0.05 CHF");
    }
}
