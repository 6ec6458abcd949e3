//! Checks on the identifiers callers pass, made before anything is sent.

use crate::StripeError;

/// Longest idempotency key Stripe takes.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// Longest object id accepted (Stripe's are far shorter).
const MAX_ID_LEN: usize = 255;

/// Check a connected account id (`acct_…`).
pub fn check_account_id(account: &str) -> Result<(), StripeError> {
    check_id("connected account", account, &["acct_"])
}

/// Check a Stripe customer id (`cus_…`). An email (the original system's bug) or
/// anything else is refused: Stripe filters charges by customer id only.
pub fn check_customer_id(customer: &str) -> Result<(), StripeError> {
    if customer.contains('@') {
        return Err(StripeError::InvalidInput(
            "customer must be a Stripe customer id (cus_…), not an email address".into(),
        ));
    }
    check_id("customer", customer, &["cus_"])
}

/// Check an idempotency key: 1 to 255 visible ASCII characters (it travels in a
/// header, and a space or a control character would not survive every stack).
pub fn check_idempotency_key(key: &str) -> Result<(), StripeError> {
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(StripeError::InvalidInput(format!(
            "idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} characters, got {}",
            key.chars().count()
        )));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StripeError::InvalidInput(
            "idempotency key must be visible ASCII without spaces".into(),
        ));
    }
    Ok(())
}

/// Check an object id: one of `prefixes`, then letters, digits and `_` only, so it is
/// safe as a URL path segment and a form value without any encoding surprises.
pub(crate) fn check_id(what: &str, id: &str, prefixes: &[&str]) -> Result<(), StripeError> {
    let well_formed = id.len() <= MAX_ID_LEN
        && prefixes
            .iter()
            .any(|p| id.len() > p.len() && id.starts_with(p))
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if well_formed {
        Ok(())
    } else {
        Err(StripeError::InvalidInput(format!(
            "{what} id must look like {}…",
            prefixes.join("… or ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_customers() {
        assert!(check_account_id("acct_dev_tt").is_ok());
        assert!(check_account_id("acct_1Nv0FGQ9RKHgCVdK").is_ok());
        for bad in ["", "acct_", "cus_x", "acct_x/../y", "acct_x y", "ACCT_x"] {
            assert!(check_account_id(bad).is_err(), "{bad:?}");
        }
        assert!(check_customer_id("cus_dana").is_ok());
        let err = check_customer_id("dana@example.com").unwrap_err();
        assert!(err.to_string().contains("not an email"), "{err}");
        for bad in ["", "cus_", "dana", "usr_dana", "cus_a&b=c"] {
            assert!(check_customer_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn idempotency_keys_are_1_to_255_visible_characters() {
        assert!(check_idempotency_key("k").is_ok());
        assert!(check_idempotency_key(&"k".repeat(255)).is_ok());
        assert!(check_idempotency_key("refund:pur_dana_tt:49900").is_ok());
        for bad in [
            String::new(),
            "k".repeat(256),
            "a b".into(),
            "a\r\nX-Evil: 1".into(),
            "é".into(),
        ] {
            assert!(
                matches!(
                    check_idempotency_key(&bad),
                    Err(StripeError::InvalidInput(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn object_ids_need_their_prefix() {
        assert!(check_id("charge", "ch_3Dana001", &["ch_", "py_"]).is_ok());
        assert!(check_id("charge", "py_1", &["ch_", "py_"]).is_ok());
        let err = check_id("charge", "pi_1", &["ch_", "py_"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid input: charge id must look like ch_… or py_…"
        );
        assert!(check_id("charge", "ch_..", &["ch_"]).is_err());
    }
}
