//! The parameters of `POST /v1/refunds`.

use crate::ids::check_id;
use crate::{Form, Metadata, StripeError};

/// Stripe's metadata limits: keys per object, key length, value length.
const MAX_METADATA_KEYS: usize = 50;
const MAX_METADATA_KEY_CHARS: usize = 40;
const MAX_METADATA_VALUE_CHARS: usize = 500;

/// What to refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundTarget {
    /// A charge (`ch_…` or `py_…`).
    Charge(String),
    /// A payment intent (`pi_…`): Stripe refunds its successful charge.
    PaymentIntent(String),
}

/// Why the refund is made, as Stripe records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundReason {
    /// The customer was charged twice.
    Duplicate,
    /// The charge was fraudulent (Stripe may block the card).
    Fraudulent,
    /// The customer asked for it.
    RequestedByCustomer,
}

impl RefundReason {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundReason::Duplicate => "duplicate",
            RefundReason::Fraudulent => "fraudulent",
            RefundReason::RequestedByCustomer => "requested_by_customer",
        }
    }
}

/// A refund to create.
///
/// ```
/// use support_stripe::{RefundParams, RefundReason};
///
/// let params = RefundParams::charge("ch_3Dana001")
///     .amount(4_990)
///     .reason(RefundReason::RequestedByCustomer)
///     .metadata("front_conversation", "cnv_8x1b2c3");
/// assert_eq!(params.amount, Some(4_990));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundParams {
    /// The charge or payment intent refunded.
    pub target: RefundTarget,
    /// Minor units; `None` refunds what remains.
    pub amount: Option<u64>,
    /// Why.
    pub reason: Option<RefundReason>,
    /// Metadata stored on the refund (`metadata[k]=v`).
    pub metadata: Metadata,
    /// Reverse the transfer of a destination charge.
    pub reverse_transfer: Option<bool>,
    /// Refund the application fee too.
    pub refund_application_fee: Option<bool>,
}

impl RefundParams {
    /// Refund a charge.
    pub fn charge(id: impl Into<String>) -> Self {
        Self::new(RefundTarget::Charge(id.into()))
    }

    /// Refund a payment intent.
    pub fn payment_intent(id: impl Into<String>) -> Self {
        Self::new(RefundTarget::PaymentIntent(id.into()))
    }

    fn new(target: RefundTarget) -> Self {
        Self {
            target,
            amount: None,
            reason: None,
            metadata: Metadata::new(),
            reverse_transfer: None,
            refund_application_fee: None,
        }
    }

    /// Refund this much (minor units) instead of the remainder.
    pub fn amount(mut self, amount: u64) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Record a reason.
    pub fn reason(mut self, reason: RefundReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// Add a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Set `reverse_transfer`.
    pub fn reverse_transfer(mut self, reverse: bool) -> Self {
        self.reverse_transfer = Some(reverse);
        self
    }

    /// Set `refund_application_fee`.
    pub fn refund_application_fee(mut self, refund: bool) -> Self {
        self.refund_application_fee = Some(refund);
        self
    }

    /// The form body, after checking what Stripe would refuse anyway.
    pub(crate) fn to_form(&self) -> Result<Form, StripeError> {
        let mut form = match &self.target {
            RefundTarget::Charge(id) => {
                check_id("charge", id, &["ch_", "py_"])?;
                Form::new().field("charge", id)
            }
            RefundTarget::PaymentIntent(id) => {
                check_id("payment intent", id, &["pi_"])?;
                Form::new().field("payment_intent", id)
            }
        };
        if let Some(amount) = self.amount {
            if amount == 0 {
                return Err(StripeError::InvalidInput(
                    "refund amount must be at least 1 (minor units)".into(),
                ));
            }
            form = form.field("amount", &amount.to_string());
        }
        if let Some(reason) = self.reason {
            form = form.field("reason", reason.as_str());
        }
        check_metadata(&self.metadata)?;
        for (key, value) in &self.metadata {
            form = form.nested("metadata", key, value);
        }
        if let Some(reverse) = self.reverse_transfer {
            form = form.field("reverse_transfer", bool_str(reverse));
        }
        if let Some(refund) = self.refund_application_fee {
            form = form.field("refund_application_fee", bool_str(refund));
        }
        Ok(form)
    }
}

fn bool_str(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

fn check_metadata(metadata: &Metadata) -> Result<(), StripeError> {
    if metadata.len() > MAX_METADATA_KEYS {
        return Err(StripeError::InvalidInput(format!(
            "at most {MAX_METADATA_KEYS} metadata keys"
        )));
    }
    for (key, value) in metadata {
        let key_chars = key.chars().count();
        // Brackets would be read as more nesting by Stripe's form parser.
        if key_chars == 0 || key_chars > MAX_METADATA_KEY_CHARS || key.contains(['[', ']']) {
            return Err(StripeError::InvalidInput(format!(
                "metadata keys must be 1 to {MAX_METADATA_KEY_CHARS} characters without brackets"
            )));
        }
        if value.chars().count() > MAX_METADATA_VALUE_CHARS {
            return Err(StripeError::InvalidInput(format!(
                "metadata values must be at most {MAX_METADATA_VALUE_CHARS} characters"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_parameter_is_encoded_in_order() {
        let form = RefundParams::charge("ch_3Dana001")
            .amount(4990)
            .reason(RefundReason::RequestedByCustomer)
            .metadata("z_last", "2")
            .metadata("front_conversation", "cnv_8x1b2c3")
            .reverse_transfer(true)
            .refund_application_fee(false)
            .to_form()
            .unwrap();
        assert_eq!(
            form.encode(),
            "charge=ch_3Dana001&amount=4990&reason=requested_by_customer\
             &metadata[front_conversation]=cnv_8x1b2c3&metadata[z_last]=2\
             &reverse_transfer=true&refund_application_fee=false"
        );
        let form = RefundParams::payment_intent("pi_1").to_form().unwrap();
        assert_eq!(form.encode(), "payment_intent=pi_1");
    }

    #[test]
    fn what_stripe_would_refuse_is_refused_here() {
        let cases = [
            RefundParams::charge("pi_1"),
            RefundParams::charge("ch_1&amount=1"),
            RefundParams::payment_intent("ch_1"),
            RefundParams::charge("ch_1").amount(0),
            RefundParams::charge("ch_1").metadata("a[b]", "v"),
            RefundParams::charge("ch_1").metadata("", "v"),
            RefundParams::charge("ch_1").metadata("k".repeat(41), "v"),
            RefundParams::charge("ch_1").metadata("k", "v".repeat(501)),
        ];
        for params in cases {
            assert!(
                matches!(params.to_form(), Err(StripeError::InvalidInput(_))),
                "{params:?}"
            );
        }
        let mut many = RefundParams::charge("ch_1");
        for i in 0..51 {
            many = many.metadata(format!("k{i}"), "v");
        }
        assert!(many.to_form().is_err());
    }
}
