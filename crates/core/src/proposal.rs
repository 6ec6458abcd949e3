//! The model proposes, the records decide: [`bind`] turns a typed tool call into what
//! the records of the verified sender allow, or into a [`Refusal`].
//!
//! The sender is the Front message's author as Front reports it. What gather found for
//! them ([`SenderRecords`]: their account, their purchases, the Stripe charges behind
//! those purchases) is the only source of ids, amounts, currencies and addresses in a
//! bound call. The model chooses the tool and may point at one of the sender's
//! purchases; anything that is not the sender's is refused, and the refusal names
//! nothing but what the model itself wrote.

use serde::{Deserialize, Serialize};

use crate::effect::{
    Account, Assign, Effect, LoginLink, PurchaseFacts, Refund, RefundReason, Transfer, UpdateEmail,
    UpdateName,
};
use crate::money::Money;
use crate::tool::{is_email, ToolCall, Urgency};

/// Default lifetime of a login link (a day).
pub const DEFAULT_LINK_SECS: u32 = 86_400;

/// A purchase of the sender's, as the app reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseRecord {
    /// Purchase id.
    pub id: String,
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// ISO 8601.
    pub purchased_at: String,
    /// Paid, minor units.
    pub amount: i64,
    /// ISO currency.
    pub currency: String,
    /// The Stripe charge behind it.
    pub charge_id: Option<String>,
    /// `active`, `refunded` or `transferred`.
    pub status: String,
}

/// A Stripe charge behind one of the sender's purchases, as Stripe reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChargeRecord {
    /// `ch_…`.
    pub id: String,
    /// Charged, minor units.
    pub amount: u64,
    /// Refunded so far, minor units.
    pub amount_refunded: u64,
    /// ISO currency.
    pub currency: String,
    /// The Stripe customer (`cus_…`).
    pub customer: Option<String>,
}

impl ChargeRecord {
    /// What can still be refunded.
    pub fn refundable(&self) -> u64 {
        self.amount.saturating_sub(self.amount_refunded)
    }
}

/// Everything gather found for the verified sender: the only source of facts a bound
/// call may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SenderRecords {
    /// The conversation.
    pub conversation_id: String,
    /// The sender's email as Front reports it.
    pub email: String,
    /// Their account in the app, when `lookupUser` found one for that email.
    pub account: Option<Account>,
    /// Their purchases (`getPurchases` of that account).
    pub purchases: Vec<PurchaseRecord>,
    /// The Stripe charges behind those purchases, as far as they were read.
    pub charges: Vec<ChargeRecord>,
}

fn same_email(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl SenderRecords {
    /// One of the sender's purchases.
    pub fn purchase(&self, id: &str) -> Option<&PurchaseRecord> {
        self.purchases.iter().find(|p| p.id == id)
    }

    /// One of the sender's charges, when it was read.
    pub fn charge(&self, id: &str) -> Option<&ChargeRecord> {
        self.charges.iter().find(|c| c.id == id)
    }

    /// The charges behind the sender's purchases.
    pub fn charge_ids(&self) -> Vec<&str> {
        self.purchases
            .iter()
            .filter_map(|p| p.charge_id.as_deref())
            .collect()
    }

    /// The charges behind the sender's purchases that have not been read yet.
    pub fn unread_charges(&self) -> Vec<String> {
        self.charge_ids()
            .into_iter()
            .filter(|id| self.charge(id).is_none())
            .map(str::to_owned)
            .collect()
    }

    /// The Stripe customers on the sender's charges.
    pub fn customer_ids(&self) -> Vec<&str> {
        let mine = self.charge_ids();
        let mut ids: Vec<&str> = self
            .charges
            .iter()
            .filter(|c| mine.contains(&c.id.as_str()))
            .filter_map(|c| c.customer.as_deref())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Which charges a call needs read before it can be bound.
    pub fn charges_needed(&self, call: &ToolCall) -> Vec<String> {
        match call {
            ToolCall::ProcessRefund(args) => self
                .purchase(&args.purchase_id)
                .and_then(|p| p.charge_id.clone())
                .filter(|id| self.charge(id).is_none())
                .into_iter()
                .collect(),
            ToolCall::GetPaymentHistory(_) | ToolCall::GetSubscriptionStatus(_) => {
                self.unread_charges()
            }
            _ => Vec::new(),
        }
    }
}

/// A read the records allow, with its bound target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "read", rename_all = "camelCase")]
pub enum Read {
    /// The sender's account (`lookupUser` of their email) and purchases.
    #[serde(rename_all = "camelCase")]
    Account {
        /// The sender's email.
        email: String,
    },
    /// The sender's purchases.
    #[serde(rename_all = "camelCase")]
    Purchases {
        /// The sender's user id.
        user_id: String,
    },
    /// The sender's charges on the app's Stripe account.
    #[serde(rename_all = "camelCase")]
    Charges {
        /// One of the sender's Stripe customers.
        customer_id: String,
        /// At most.
        limit: u8,
    },
    /// The sender's subscriptions.
    #[serde(rename_all = "camelCase")]
    Subscriptions {
        /// One of the sender's Stripe customers.
        customer_id: String,
    },
    /// One of the sender's charges.
    #[serde(rename_all = "camelCase")]
    Charge {
        /// `ch_…`.
        charge_id: String,
    },
    /// A refund, shown only when [`check_refund`] finds it on one of the sender's charges.
    #[serde(rename_all = "camelCase")]
    Refund {
        /// `re_…`.
        refund_id: String,
    },
}

/// What a call may do once bound.
#[derive(Debug, Clone, PartialEq)]
pub enum Bound {
    /// A tool about no customer (knowledge, products, content, coupons, promotions,
    /// the refund policy): it runs as asked.
    Open(ToolCall),
    /// A read of the sender's data.
    Read(Read),
    /// An effect for a human to approve.
    Effect(Effect),
    /// Hand the conversation to a human.
    Handoff {
        /// Why.
        reason: String,
        /// How urgent.
        urgency: Urgency,
    },
}

/// Why a call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// It points at an account, purchase, email, charge or customer that is not the sender's.
    NotTheSenders,
    /// The sender has no account in the app.
    NoAccount,
    /// The purchase has no Stripe charge.
    NoCharge,
    /// The charge could not be read from Stripe.
    ChargeUnread,
    /// The purchase is refunded or transferred already.
    NotActive,
    /// Nothing is left to refund.
    NothingRefundable,
    /// More than what is still refundable.
    AboveRefundable,
    /// The app's and Stripe's records disagree (currency).
    RecordsDisagree,
    /// The change would change nothing, or its value is not acceptable.
    Pointless,
}

impl RefusalReason {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalReason::NotTheSenders => "not_the_senders",
            RefusalReason::NoAccount => "no_account",
            RefusalReason::NoCharge => "no_charge",
            RefusalReason::ChargeUnread => "charge_unread",
            RefusalReason::NotActive => "not_active",
            RefusalReason::NothingRefundable => "nothing_refundable",
            RefusalReason::AboveRefundable => "above_refundable",
            RefusalReason::RecordsDisagree => "records_disagree",
            RefusalReason::Pointless => "pointless",
        }
    }
}

/// A refused call: why, and a message for the model's `tool_result` that names only
/// what the model wrote or what is the sender's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub struct Refusal {
    /// Why.
    pub reason: RefusalReason,
    /// For the model.
    pub message: String,
}

fn refuse(reason: RefusalReason, message: impl Into<String>) -> Refusal {
    Refusal {
        reason,
        message: message.into(),
    }
}

const ONLY_SENDER: &str =
    "only the sender's own account, purchases and payments can be used in this conversation; if the customer asks about someone else's, hand the conversation to a human";

fn not_theirs(what: &str) -> Refusal {
    refuse(
        RefusalReason::NotTheSenders,
        format!("{what} is not the sender's: {ONLY_SENDER}"),
    )
}

fn account(records: &SenderRecords) -> Result<&Account, Refusal> {
    records.account.as_ref().ok_or_else(|| {
        refuse(
            RefusalReason::NoAccount,
            "the sender has no account in this app (lookupUser found none for their email)",
        )
    })
}

/// The sender's account, when the model named it (or named nobody).
fn senders_account<'a>(
    records: &'a SenderRecords,
    named: Option<&str>,
) -> Result<&'a Account, Refusal> {
    let account = account(records)?;
    match named {
        Some(id) if id != account.user_id => Err(not_theirs(&format!("user {id:?}"))),
        _ => Ok(account),
    }
}

fn active_purchase<'a>(
    records: &'a SenderRecords,
    id: &str,
) -> Result<&'a PurchaseRecord, Refusal> {
    let purchase = records
        .purchase(id)
        .ok_or_else(|| not_theirs(&format!("purchase {id:?}")))?;
    if purchase.status != "active" {
        return Err(refuse(
            RefusalReason::NotActive,
            format!("purchase {id:?} is {} already", purchase.status),
        ));
    }
    Ok(purchase)
}

fn facts(purchase: &PurchaseRecord) -> PurchaseFacts {
    PurchaseFacts {
        purchase_id: purchase.id.clone(),
        product_name: purchase.product_name.clone(),
        purchased_at: purchase.purchased_at.clone(),
        paid: Money::new(purchase.amount.max(0) as u64, &purchase.currency),
    }
}

/// Free text the model wrote, on one line (it reaches Slack and the app as a note).
fn note(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Bind `call` to the sender's records: every fact of a read or an effect comes from
/// `records`; a call that points anywhere else is a [`Refusal`].
pub fn bind(call: &ToolCall, records: &SenderRecords) -> Result<Bound, Refusal> {
    Ok(match call {
        ToolCall::SearchKnowledge(_)
        | ToolCall::GetProductStatus(_)
        | ToolCall::SearchContent(_)
        | ToolCall::GetCouponInfo(_)
        | ToolCall::GetActivePromotions
        | ToolCall::GetRefundPolicy => Bound::Open(call.clone()),
        ToolCall::EscalateToHuman(args) => Bound::Handoff {
            reason: note(&args.reason),
            urgency: args.urgency,
        },
        ToolCall::LookupUser(args) => {
            if !same_email(&args.email, &records.email) || records.email.trim().is_empty() {
                return Err(not_theirs(&format!("email {:?}", args.email)));
            }
            Bound::Read(Read::Account {
                email: records.email.trim().to_owned(),
            })
        }
        ToolCall::GetPurchases(args) => Bound::Read(Read::Purchases {
            user_id: senders_account(records, Some(&args.user_id))?
                .user_id
                .clone(),
        }),
        ToolCall::GetPaymentHistory(args) => {
            if !records.customer_ids().contains(&args.customer_id.as_str()) {
                return Err(not_theirs(&format!(
                    "Stripe customer {:?}",
                    args.customer_id
                )));
            }
            Bound::Read(Read::Charges {
                customer_id: args.customer_id.clone(),
                limit: args.limit.unwrap_or(10).clamp(1, 25),
            })
        }
        ToolCall::GetSubscriptionStatus(args) => {
            if !records.customer_ids().contains(&args.customer_id.as_str()) {
                return Err(not_theirs(&format!(
                    "Stripe customer {:?}",
                    args.customer_id
                )));
            }
            Bound::Read(Read::Subscriptions {
                customer_id: args.customer_id.clone(),
            })
        }
        ToolCall::LookupCharge(args) => {
            if !records.charge_ids().contains(&args.charge_id.as_str()) {
                return Err(not_theirs(&format!("charge {:?}", args.charge_id)));
            }
            Bound::Read(Read::Charge {
                charge_id: args.charge_id.clone(),
            })
        }
        ToolCall::VerifyRefund(args) => Bound::Read(Read::Refund {
            refund_id: args.refund_id.clone(),
        }),
        ToolCall::GenerateMagicLink(args) => {
            let account = account(records)?;
            if !same_email(&args.email, &records.email) {
                return Err(not_theirs(&format!("email {:?}", args.email)));
            }
            Bound::Effect(Effect::LoginLink(LoginLink {
                account: account.clone(),
                expires_in_secs: args
                    .expires_in
                    .unwrap_or(DEFAULT_LINK_SECS)
                    .clamp(300, 86_400),
            }))
        }
        ToolCall::ProcessRefund(args) => {
            let customer = account(records)?;
            let purchase = active_purchase(records, &args.purchase_id)?;
            let charge_id = purchase.charge_id.as_deref().ok_or_else(|| {
                refuse(
                    RefusalReason::NoCharge,
                    format!("purchase {:?} has no Stripe charge to refund", purchase.id),
                )
            })?;
            let charge = records.charge(charge_id).ok_or_else(|| {
                refuse(
                    RefusalReason::ChargeUnread,
                    "the purchase's charge could not be read from Stripe; hand the conversation to a human",
                )
            })?;
            if !charge.currency.eq_ignore_ascii_case(&purchase.currency) {
                return Err(refuse(
                    RefusalReason::RecordsDisagree,
                    "the app and Stripe disagree on this purchase's currency; hand the conversation to a human",
                ));
            }
            // Never more than the purchase cost, nor than the charge still holds.
            let cap = charge.refundable().min(purchase.amount.max(0) as u64);
            if cap == 0 {
                return Err(refuse(
                    RefusalReason::NothingRefundable,
                    format!("nothing is left to refund on purchase {:?}", purchase.id),
                ));
            }
            let amount = args.amount.unwrap_or(cap);
            if amount > cap {
                return Err(refuse(
                    RefusalReason::AboveRefundable,
                    format!(
                        "at most {} can be refunded on purchase {:?}",
                        Money::new(cap, &purchase.currency),
                        purchase.id
                    ),
                ));
            }
            Bound::Effect(Effect::Refund(Refund {
                customer: customer.clone(),
                purchase: facts(purchase),
                charge_id: charge.id.clone(),
                amount: Money::new(amount, &purchase.currency),
                refundable: Money::new(charge.refundable(), &purchase.currency),
                reason: args
                    .refund_reason
                    .unwrap_or(RefundReason::RequestedByCustomer),
                note: note(&args.reason),
            }))
        }
        ToolCall::TransferPurchase(args) => {
            let from = senders_account(records, args.from_user_id.as_deref())?;
            let purchase = active_purchase(records, &args.purchase_id)?;
            if same_email(&args.to_email, &from.email) || !is_email(args.to_email.trim()) {
                return Err(refuse(
                    RefusalReason::Pointless,
                    "the purchase already belongs to that email",
                ));
            }
            Bound::Effect(Effect::Transfer(Transfer {
                from: from.clone(),
                purchase: facts(purchase),
                to_email: args.to_email.trim().to_owned(),
                note: args.reason.as_deref().map(note).unwrap_or_default(),
            }))
        }
        ToolCall::UpdateEmail(args) => {
            let account = senders_account(records, args.user_id.as_deref())?;
            if same_email(&args.new_email, &account.email) {
                return Err(refuse(
                    RefusalReason::Pointless,
                    "that is the account's email already",
                ));
            }
            Bound::Effect(Effect::UpdateEmail(UpdateEmail {
                account: account.clone(),
                new_email: args.new_email.trim().to_owned(),
            }))
        }
        ToolCall::UpdateName(args) => {
            let account = senders_account(records, args.user_id.as_deref())?;
            let new_name = note(&args.new_name);
            if new_name.is_empty() || account.name.as_deref() == Some(new_name.as_str()) {
                return Err(refuse(
                    RefusalReason::Pointless,
                    "that is the account's name already",
                ));
            }
            Bound::Effect(Effect::UpdateName(UpdateName {
                account: account.clone(),
                new_name,
            }))
        }
        ToolCall::AssignToInstructor(args) => Bound::Effect(Effect::Assign(Assign {
            conversation_id: records.conversation_id.clone(),
            reason: note(&args.reason),
        })),
    })
}

/// A refund read through `verifyRefund` is shown only when it is on one of the
/// sender's charges (`refund_charge` is the charge Stripe says it belongs to).
pub fn check_refund(
    refund_id: &str,
    refund_charge: Option<&str>,
    records: &SenderRecords,
) -> Result<(), Refusal> {
    match refund_charge {
        Some(charge) if records.charge_ids().contains(&charge) => Ok(()),
        _ => Err(not_theirs(&format!("refund {refund_id:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tool::*;
    use serde_json::json;

    fn dana() -> SenderRecords {
        SenderRecords {
            conversation_id: "cnv_1".into(),
            email: "Dana@Example.com".into(),
            account: Some(Account {
                user_id: "usr_dana".into(),
                email: "dana@example.com".into(),
                name: Some("Dana Lee".into()),
            }),
            purchases: vec![
                PurchaseRecord {
                    id: "pur_dana_tt".into(),
                    product_id: "prod_tt".into(),
                    product_name: "Total TypeScript".into(),
                    purchased_at: "2026-11-30T10:00:00.000Z".into(),
                    amount: 49_900,
                    currency: "usd".into(),
                    charge_id: Some("ch_dana".into()),
                    status: "active".into(),
                },
                PurchaseRecord {
                    id: "pur_dana_free".into(),
                    product_id: "prod_free".into(),
                    product_name: "Free tutorial".into(),
                    purchased_at: "2026-01-01T10:00:00.000Z".into(),
                    amount: 0,
                    currency: "usd".into(),
                    charge_id: None,
                    status: "active".into(),
                },
            ],
            charges: vec![ChargeRecord {
                id: "ch_dana".into(),
                amount: 49_900,
                amount_refunded: 10_000,
                currency: "usd".into(),
                customer: Some("cus_dana".into()),
            }],
        }
    }

    fn call(name: &str, input: serde_json::Value) -> ToolCall {
        ToolCall::parse(name, &input).unwrap()
    }

    fn refused(name: &str, input: serde_json::Value) -> RefusalReason {
        bind(&call(name, input), &dana()).unwrap_err().reason
    }

    #[test]
    fn a_refund_takes_every_fact_from_the_records() {
        let bound = bind(
            &call(
                "processRefund",
                json!({"purchaseId": "pur_dana_tt", "reason": "changed my\nmind"}),
            ),
            &dana(),
        )
        .unwrap();
        let Bound::Effect(Effect::Refund(refund)) = bound else {
            panic!("{bound:?}")
        };
        assert_eq!(refund.charge_id, "ch_dana");
        assert_eq!(
            refund.amount,
            Money::new(39_900, "usd"),
            "what is still refundable"
        );
        assert_eq!(refund.customer.user_id, "usr_dana");
        assert_eq!(refund.purchase.product_name, "Total TypeScript");
        assert_eq!(refund.reason, RefundReason::RequestedByCustomer);
        assert_eq!(refund.note, "changed my mind");
    }

    #[test]
    fn a_partial_refund_is_allowed_up_to_what_is_refundable() {
        let ok = bind(
            &call("processRefund", json!({"purchaseId": "pur_dana_tt", "reason": "r", "amount": 39_900, "refundReason": "duplicate"})),
            &dana(),
        )
        .unwrap();
        assert!(matches!(
            ok,
            Bound::Effect(Effect::Refund(Refund {
                reason: RefundReason::Duplicate,
                ..
            }))
        ));
        let refusal = bind(
            &call(
                "processRefund",
                json!({"purchaseId": "pur_dana_tt", "reason": "r", "amount": 49_900}),
            ),
            &dana(),
        )
        .unwrap_err();
        assert_eq!(refusal.reason, RefusalReason::AboveRefundable);
        assert!(refusal.message.contains("$399.00 USD"), "{refusal}");
    }

    #[test]
    fn what_is_not_the_senders_is_refused_without_naming_anyone_else() {
        let cases = [
            (
                "processRefund",
                json!({"purchaseId": "pur_sam_tt", "reason": "r"}),
            ),
            (
                "transferPurchase",
                json!({"purchaseId": "pur_sam_tt", "toEmail": "x@evil.test"}),
            ),
            (
                "transferPurchase",
                json!({"purchaseId": "pur_dana_tt", "fromUserId": "usr_sam", "toEmail": "x@evil.test"}),
            ),
            (
                "updateEmail",
                json!({"userId": "usr_sam", "newEmail": "x@evil.test"}),
            ),
            (
                "updateName",
                json!({"userId": "usr_sam", "newName": "Mallory"}),
            ),
            ("generateMagicLink", json!({"email": "sam@example.com"})),
            ("lookupUser", json!({"email": "sam@example.com"})),
            ("getPurchases", json!({"userId": "usr_sam"})),
            ("getPaymentHistory", json!({"customerId": "cus_sam"})),
            ("getSubscriptionStatus", json!({"customerId": "cus_sam"})),
            ("lookupCharge", json!({"chargeId": "ch_sam"})),
        ];
        for (name, input) in cases {
            let refusal = bind(&call(name, input.clone()), &dana()).unwrap_err();
            assert_eq!(
                refusal.reason,
                RefusalReason::NotTheSenders,
                "{name} {input}"
            );
            assert!(
                !refusal.message.contains("Dana") && !refusal.message.contains("dana@"),
                "{refusal}"
            );
        }
    }

    #[test]
    fn refunds_need_an_active_purchase_with_a_readable_charge() {
        assert_eq!(
            refused(
                "processRefund",
                json!({"purchaseId": "pur_dana_free", "reason": "r"})
            ),
            RefusalReason::NoCharge
        );
        let mut records = dana();
        records.charges.clear();
        assert_eq!(
            bind(
                &call(
                    "processRefund",
                    json!({"purchaseId": "pur_dana_tt", "reason": "r"})
                ),
                &records
            )
            .unwrap_err()
            .reason,
            RefusalReason::ChargeUnread
        );
        let mut records = dana();
        records.charges[0].amount_refunded = 49_900;
        assert_eq!(
            bind(
                &call(
                    "processRefund",
                    json!({"purchaseId": "pur_dana_tt", "reason": "r"})
                ),
                &records
            )
            .unwrap_err()
            .reason,
            RefusalReason::NothingRefundable
        );
        let mut records = dana();
        records.purchases[0].status = "refunded".into();
        assert_eq!(
            bind(
                &call(
                    "processRefund",
                    json!({"purchaseId": "pur_dana_tt", "reason": "r"})
                ),
                &records
            )
            .unwrap_err()
            .reason,
            RefusalReason::NotActive
        );
        let mut records = dana();
        records.charges[0].currency = "eur".into();
        assert_eq!(
            bind(
                &call(
                    "processRefund",
                    json!({"purchaseId": "pur_dana_tt", "reason": "r"})
                ),
                &records
            )
            .unwrap_err()
            .reason,
            RefusalReason::RecordsDisagree
        );
        let mut records = dana();
        records.account = None;
        assert_eq!(
            bind(
                &call(
                    "processRefund",
                    json!({"purchaseId": "pur_dana_tt", "reason": "r"})
                ),
                &records
            )
            .unwrap_err()
            .reason,
            RefusalReason::NoAccount
        );
    }

    #[test]
    fn account_changes_act_on_the_sender_only() {
        let Bound::Effect(Effect::UpdateEmail(change)) = bind(
            &call("updateEmail", json!({"newEmail": "dana@new.example"})),
            &dana(),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(change.account.user_id, "usr_dana");
        assert_eq!(change.new_email, "dana@new.example");
        assert_eq!(
            refused("updateEmail", json!({"newEmail": "DANA@example.com"})),
            RefusalReason::Pointless
        );
        assert_eq!(
            refused("updateName", json!({"newName": "Dana Lee"})),
            RefusalReason::Pointless
        );
        assert_eq!(
            refused(
                "transferPurchase",
                json!({"purchaseId": "pur_dana_tt", "toEmail": "dana@example.com"})
            ),
            RefusalReason::Pointless
        );
    }

    #[test]
    fn login_links_are_for_the_senders_account() {
        let Bound::Effect(Effect::LoginLink(link)) = bind(
            &call("generateMagicLink", json!({"email": "dana@example.com"})),
            &dana(),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(link.account.email, "dana@example.com");
        assert_eq!(link.expires_in_secs, DEFAULT_LINK_SECS);
    }

    #[test]
    fn reads_are_bound_to_the_sender() {
        assert_eq!(
            bind(
                &call("lookupUser", json!({"email": "dana@example.com"})),
                &dana()
            )
            .unwrap(),
            Bound::Read(Read::Account {
                email: "Dana@Example.com".into()
            })
        );
        assert_eq!(
            bind(
                &call(
                    "getPaymentHistory",
                    json!({"customerId": "cus_dana", "limit": 25})
                ),
                &dana()
            )
            .unwrap(),
            Bound::Read(Read::Charges {
                customer_id: "cus_dana".into(),
                limit: 25
            })
        );
        assert!(check_refund("re_1", Some("ch_dana"), &dana()).is_ok());
        assert!(check_refund("re_1", Some("ch_sam"), &dana()).is_err());
        assert!(check_refund("re_1", None, &dana()).is_err());
    }

    #[test]
    fn charges_are_read_only_when_a_call_needs_them() {
        let mut records = dana();
        records.charges.clear();
        assert_eq!(
            records.charges_needed(&call(
                "processRefund",
                json!({"purchaseId": "pur_dana_tt", "reason": "r"})
            )),
            ["ch_dana"]
        );
        assert!(records
            .charges_needed(&call(
                "processRefund",
                json!({"purchaseId": "pur_sam_tt", "reason": "r"})
            ))
            .is_empty());
        assert!(records
            .charges_needed(&call("lookupUser", json!({"email": "dana@example.com"})))
            .is_empty());
    }
}
