//! The tools that run when the agent calls them, typed end to end: a call is parsed
//! ([`ToolCall`]), bound to the sender's records ([`support_core::proposal::bind`]),
//! and only then run over the app's SDK (its typed [`SupportIntegration`] methods) or
//! its Stripe connected account. A call that needs approval becomes a proposal here
//! and runs nowhere. Every failure comes back as a short message for the model (never
//! a secret, never another customer's data, never shown to the customer).

use std::future::Future;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support_core::effect::{Effect, LOGIN_LINK_PLACEHOLDER};
use support_core::gather::Want;
use support_core::proposal::{
    bind, check_refund, Bound, ChargeRecord, PurchaseRecord, Read, Refusal, SenderRecords,
};
use support_core::tool::ToolCall;
use support_http::Transport;
use support_sdk::types::{ContentSearchRequest, ContentType, Purchase, User};
use support_sdk::{IntegrationClient, IntegrationError, SupportIntegration};
use support_stripe::StripeClient;

/// What the tools reach.
pub struct Toolbox {
    /// The app's SDK endpoint, signed with its current secret.
    pub sdk: Option<IntegrationClient<Arc<dyn Transport>>>,
    /// Stripe, with the app's connected account.
    pub stripe: Option<(Arc<StripeClient>, String)>,
    /// The app's knowledge base (queried with the read-only token), when configured.
    pub knowledge: Option<support_knowledge::Knowledge>,
}

/// What became of one tool call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// It ran; the model sees `result`.
    Ran {
        /// What the model is shown.
        result: Value,
    },
    /// Bound and recorded for a human's approval; nothing ran.
    Proposed {
        /// The bound effect.
        effect: Effect,
    },
    /// The records do not allow it (not the sender's, nothing refundable...).
    Refused {
        /// Why.
        refusal: Refusal,
    },
    /// Its input broke the tool's schema.
    Invalid {
        /// What was wrong.
        error: String,
    },
    /// It was allowed and failed on the way (the app or Stripe).
    Failed {
        /// For the model.
        error: String,
    },
    /// The agent handed the conversation to a human.
    HandedOff {
        /// Why.
        reason: String,
        /// `low`, `medium` or `high`.
        urgency: support_core::tool::Urgency,
    },
}

impl Outcome {
    /// The `tool_result` content the model sees, and whether it is an error.
    pub fn for_model(&self) -> (Value, bool) {
        match self {
            Outcome::Ran { result } => (result.clone(), false),
            Outcome::Proposed { effect } => (proposed_note(effect), false),
            Outcome::Refused { refusal } => (json!({"refused": refusal.message}), true),
            Outcome::Invalid { error } => (json!({"error": error}), true),
            Outcome::Failed { error } => (json!({"error": error}), true),
            Outcome::HandedOff { .. } => (
                json!({"escalated": true, "note": "A teammate will take over. Write no reply."}),
                false,
            ),
        }
    }

    /// `ran`, `proposed`, `refused`, `invalid`, `failed` or `handed_off`.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Ran { .. } => "ran",
            Outcome::Proposed { .. } => "proposed",
            Outcome::Refused { .. } => "refused",
            Outcome::Invalid { .. } => "invalid",
            Outcome::Failed { .. } => "failed",
            Outcome::HandedOff { .. } => "handed_off",
        }
    }
}

/// What the model is told of a proposal: what was recorded (the sender's own facts).
fn proposed_note(effect: &Effect) -> Value {
    let recorded = match effect {
        Effect::Refund(r) => format!(
            "a refund of {} for {} (bought {})",
            r.amount,
            r.purchase.product_name,
            date(&r.purchase.purchased_at)
        ),
        Effect::Transfer(t) => format!("moving {} to {}", t.purchase.product_name, t.to_email),
        Effect::UpdateEmail(u) => format!("changing the account email to {}", u.new_email),
        Effect::UpdateName(u) => format!("changing the account name to {}", u.new_name),
        Effect::Assign(_) => "assigning the conversation to the instructor".into(),
        Effect::LoginLink(_) => {
            return json!({"status": "pending_approval", "link": LOGIN_LINK_PLACEHOLDER,
                          "note": format!("Write {LOGIN_LINK_PLACEHOLDER} in the reply exactly where the link goes; it becomes a one-time login link for the sender when the approved reply is sent. Do not mention approvals.")});
        }
    };
    json!({"status": "pending_approval",
           "note": format!("Recorded for a teammate's approval: {recorded}. Write the reply as if it will be done once approved; do not mention approvals.")})
}

/// `2026-11-30` from an ISO 8601 time.
pub fn date(iso: &str) -> &str {
    iso.get(..10).unwrap_or(iso)
}

/// How often a read is tried when it fails in transit.
const READ_ATTEMPTS: usize = 3;

/// A failure worth one more try at once: the request may not have reached the app (a
/// transport error, a 502 from its gateway) or the app is restarting (503). Not a 429
/// (asking again at once is what it asks not to do) nor a 504 (the gateway already
/// waited its own timeout), nor a timeout (the wait would triple).
fn transient(error: &IntegrationError) -> bool {
    matches!(
        error,
        IntegrationError::Transport(_)
            | IntegrationError::Http {
                status: 502 | 503,
                ..
            }
    )
}

/// A read from the app, asked again when it fails in transit. Only reads come here: a
/// change in the app is sent once (a retry could apply it twice).
async fn read<T, F, Fut>(mut call: F) -> Result<T, IntegrationError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, IntegrationError>>,
{
    let mut answer = call().await;
    for _ in 1..READ_ATTEMPTS {
        match &answer {
            Err(e) if transient(e) => answer = call().await,
            _ => break,
        }
    }
    answer
}

fn to_value(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// An app's answer for the model: `501` is a fact ("not offered"), not an error.
fn app_answer<T: Serialize>(what: &str, answer: Result<T, IntegrationError>) -> Outcome {
    match answer {
        Ok(value) => Outcome::Ran {
            result: to_value(value),
        },
        Err(IntegrationError::NotImplemented(_)) => Outcome::Ran {
            result: json!({"offered": false}),
        },
        Err(e) => Outcome::Failed {
            error: format!("{what} failed ({})", short(&e)),
        },
    }
}

/// An SDK error in a few words, without the app's own message (which may carry data).
fn short(e: &IntegrationError) -> String {
    match e {
        IntegrationError::Http { status, .. } => format!("the app answered {status}"),
        IntegrationError::Failed(_) => "the app answered 500".into(),
        IntegrationError::BadRequest(_) => "the app answered 400".into(),
        IntegrationError::Unauthorized(_) => "the app refused the signature".into(),
        IntegrationError::NotImplemented(_) => "the app does not offer it".into(),
        IntegrationError::Timeout(ms) => format!("no answer within {ms} ms"),
        IntegrationError::Transport(_) => "the app could not be reached".into(),
        IntegrationError::InvalidResponse { .. } => {
            "the app's answer did not fit the contract".into()
        }
    }
}

/// A Stripe error in a few words.
pub fn stripe_short(e: &support_stripe::StripeError) -> String {
    match (e.status(), e.code()) {
        (Some(status), Some(code)) => format!("Stripe answered {status} {code}"),
        (Some(status), None) => format!("Stripe answered {status}"),
        _ => "Stripe could not be reached".into(),
    }
}

/// The sender's purchase as the records keep it.
pub fn purchase_record(p: &Purchase) -> PurchaseRecord {
    PurchaseRecord {
        id: p.id.clone(),
        product_id: p.product_id.clone(),
        product_name: p.product_name.clone(),
        purchased_at: p
            .purchased_at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        amount: p.amount,
        currency: p.currency.clone(),
        charge_id: p.stripe_charge_id.clone(),
        status: to_value(p.status).as_str().unwrap_or("active").to_owned(),
    }
}

/// The sender's account as the records keep it.
pub fn account(user: &User) -> support_core::effect::Account {
    support_core::effect::Account {
        user_id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
    }
}

/// What gather could not read (for the audit log and the approver).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GatherError {
    /// The read.
    pub call: String,
    /// Why.
    pub error: String,
}

impl Toolbox {
    fn sdk(&self) -> Result<&IntegrationClient<Arc<dyn Transport>>, String> {
        self.sdk
            .as_ref()
            .ok_or_else(|| "the app has no SDK endpoint".to_owned())
    }

    /// The verified sender's records: their account (`lookupUser` of the email Front
    /// reports) and its purchases. What could not be read is in the errors.
    pub async fn sender_records(
        &self,
        conversation_id: &str,
        email: &str,
    ) -> (SenderRecords, Vec<GatherError>) {
        let mut records = SenderRecords {
            conversation_id: conversation_id.to_owned(),
            email: email.trim().to_owned(),
            ..SenderRecords::default()
        };
        let mut errors = Vec::new();
        let Ok(sdk) = self.sdk() else {
            return (records, errors);
        };
        if records.email.is_empty() {
            return (records, errors);
        }
        match read(|| sdk.lookup_user(&records.email)).await {
            // The app found someone else by this email? Not the sender.
            Ok(Some(user)) if user.email.trim().eq_ignore_ascii_case(&records.email) => {
                records.account = Some(account(&user))
            }
            Ok(Some(_)) => errors.push(GatherError {
                call: "lookupUser".into(),
                error: "the app answered with an account of another email".into(),
            }),
            Ok(None) | Err(IntegrationError::NotImplemented(_)) => {}
            Err(e) => errors.push(GatherError {
                call: "lookupUser".into(),
                error: short(&e),
            }),
        }
        if let Some(user_id) = records.account.as_ref().map(|a| a.user_id.clone()) {
            match read(|| sdk.get_purchases(&user_id)).await {
                Ok(purchases) => {
                    records.purchases = purchases.iter().map(purchase_record).collect()
                }
                Err(e) => errors.push(GatherError {
                    call: "getPurchases".into(),
                    error: short(&e),
                }),
            }
        }
        (records, errors)
    }

    /// One category-aware read for the agent's context; `None` when the app does not
    /// offer it.
    pub async fn want(&self, want: &Want) -> Result<Option<Value>, String> {
        let sdk = self.sdk()?;
        let answer = match want {
            Want::RefundPolicy => read(|| sdk.get_refund_policy()).await.map(to_value),
            Want::ContentAccess { user_id } => {
                read(|| sdk.get_content_access(user_id)).await.map(to_value)
            }
            Want::RecentActivity { user_id } => read(|| sdk.get_recent_activity(user_id))
                .await
                .map(to_value),
            Want::ActivePromotions => read(|| sdk.get_active_promotions()).await.map(to_value),
            Want::LicenseInfo { purchase_id } => read(|| sdk.get_license_info(purchase_id))
                .await
                .map(to_value),
        };
        match answer {
            Ok(v) => Ok(Some(v)),
            Err(IntegrationError::NotImplemented(_)) => Ok(None),
            Err(e) => Err(short(&e)),
        }
    }

    /// Read the Stripe charges behind the sender's purchases that `call` needs, into
    /// `records` (a charge that cannot be read stays unread: binding then refuses).
    pub async fn read_charges(&self, call: &ToolCall, records: &mut SenderRecords) {
        let Some((stripe, account)) = &self.stripe else {
            return;
        };
        for id in records.charges_needed(call) {
            if let Ok(charge) = stripe.retrieve_charge(account, &id).await {
                records.charges.push(ChargeRecord {
                    id: charge.id,
                    amount: charge.amount,
                    amount_refunded: charge.amount_refunded,
                    currency: charge.currency,
                    customer: charge.customer,
                });
            }
        }
    }

    /// Run one call the model made: parse it, bind it to the sender's records, then run
    /// a read or record a proposal. Nothing that needs approval runs here.
    pub async fn call(&self, name: &str, input: &Value, records: &SenderRecords) -> Outcome {
        let call = match ToolCall::parse(name, input) {
            Ok(call) => call,
            Err(e) => return Outcome::Invalid { error: e.0 },
        };
        let mut records = records.clone();
        self.read_charges(&call, &mut records).await;
        match bind(&call, &records) {
            Err(refusal) => Outcome::Refused { refusal },
            Ok(Bound::Effect(effect)) => Outcome::Proposed { effect },
            Ok(Bound::Handoff { reason, urgency }) => Outcome::HandedOff { reason, urgency },
            Ok(Bound::Read(read)) => self.read(&read, &records).await,
            Ok(Bound::Open(call)) => self.open(&call).await,
        }
    }

    /// A tool about no customer.
    async fn open(&self, call: &ToolCall) -> Outcome {
        // The knowledge base: the app's namespace of the index, hybrid retrieval.
        if let ToolCall::SearchKnowledge(args) = call {
            let Some(knowledge) = &self.knowledge else {
                return Outcome::Failed {
                    error: "no knowledge base is configured".into(),
                };
            };
            return match crate::knowledge::search(knowledge, &args.query).await {
                Ok(sources) => Outcome::Ran {
                    result: crate::knowledge::search_result(&sources),
                },
                Err(e) => Outcome::Failed {
                    error: format!("searchKnowledge: {e}"),
                },
            };
        }
        let sdk = match self.sdk() {
            Ok(sdk) => sdk,
            Err(error) => return Outcome::Failed { error },
        };
        match call {
            ToolCall::GetProductStatus(args) => app_answer(
                "getProductStatus",
                read(|| sdk.get_product_status(&args.product_id)).await,
            ),
            ToolCall::SearchContent(args) => {
                let types: Vec<ContentType> = args
                    .types
                    .iter()
                    .filter_map(|t| serde_json::from_value(json!(t)).ok())
                    .collect();
                let request = ContentSearchRequest {
                    query: args.query.clone(),
                    types: (!types.is_empty()).then_some(types),
                    limit: args.limit.map(u32::from),
                    ..ContentSearchRequest::default()
                };
                app_answer(
                    "searchContent",
                    read(|| sdk.search_content(request.clone())).await,
                )
            }
            ToolCall::GetCouponInfo(args) => app_answer(
                "getCouponInfo",
                read(|| sdk.get_coupon_info(&args.code)).await,
            ),
            ToolCall::GetActivePromotions => app_answer(
                "getActivePromotions",
                read(|| sdk.get_active_promotions()).await,
            ),
            ToolCall::GetRefundPolicy => {
                app_answer("getRefundPolicy", read(|| sdk.get_refund_policy()).await)
            }
            other => Outcome::Failed {
                error: format!("{} is not an open tool", other.tool()),
            },
        }
    }

    /// A read of the sender's own data, bound already.
    async fn read(&self, bound: &Read, records: &SenderRecords) -> Outcome {
        match bound {
            Read::Account { email } => match &records.account {
                // Gather read it for this very sender: no second call.
                Some(account) => Outcome::Ran {
                    result: json!({"found": true, "user": account, "purchases": records.purchases}),
                },
                // Gather found none, or could not ask: ask again, so a failure is a
                // failure and not "no account".
                None => match self.sdk() {
                    Ok(sdk) => match read(|| sdk.lookup_user(email)).await {
                        Ok(Some(user)) if user.email.trim().eq_ignore_ascii_case(email.trim()) => {
                            Outcome::Ran {
                                result: json!({"found": true, "user": account(&user), "note": "found on a second look; its purchases were not read"}),
                            }
                        }
                        Ok(_) | Err(IntegrationError::NotImplemented(_)) => Outcome::Ran {
                            result: json!({"found": false}),
                        },
                        Err(e) => Outcome::Failed {
                            error: format!("lookupUser failed ({})", short(&e)),
                        },
                    },
                    Err(error) => Outcome::Failed { error },
                },
            },
            Read::Purchases { user_id } => match self.sdk() {
                Ok(sdk) => app_answer("getPurchases", read(|| sdk.get_purchases(user_id)).await),
                Err(error) => Outcome::Failed { error },
            },
            Read::Charges { .. }
            | Read::Subscriptions { .. }
            | Read::Charge { .. }
            | Read::Refund { .. } => self.stripe_read(bound, records).await,
        }
    }

    async fn stripe_read(&self, bound: &Read, records: &SenderRecords) -> Outcome {
        let Some((stripe, account)) = &self.stripe else {
            return Outcome::Failed {
                error: "payments are not connected for this app".into(),
            };
        };
        let (what, answer) = match bound {
            Read::Charges { customer_id, limit } => (
                "getPaymentHistory",
                stripe
                    .list_charges(account, customer_id, *limit)
                    .await
                    .map(to_value),
            ),
            Read::Subscriptions { customer_id } => (
                "getSubscriptionStatus",
                stripe
                    .list_subscriptions(account, customer_id)
                    .await
                    .map(to_value),
            ),
            Read::Charge { charge_id } => (
                "lookupCharge",
                stripe
                    .retrieve_charge(account, charge_id)
                    .await
                    .map(to_value),
            ),
            Read::Refund { refund_id } => {
                let refund = match stripe.retrieve_refund(account, refund_id).await {
                    Ok(refund) => refund,
                    Err(e) => {
                        return Outcome::Failed {
                            error: format!("verifyRefund failed ({})", stripe_short(&e)),
                        }
                    }
                };
                // Shown only when it is on one of the sender's charges.
                if let Err(refusal) = check_refund(refund_id, refund.charge.as_deref(), records) {
                    return Outcome::Refused { refusal };
                }
                ("verifyRefund", Ok(to_value(refund)))
            }
            _ => unreachable!("only Stripe reads come here"),
        };
        match answer {
            Ok(result) => Outcome::Ran { result },
            Err(e) => Outcome::Failed {
                error: format!("{what} failed ({})", stripe_short(&e)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use support_http::{HttpRequest, HttpResponse, TransportError};

    use super::*;

    /// Answers from a script, in order, and keeps the requests.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
        sent: Mutex<Vec<Value>>,
    }

    #[async_trait::async_trait]
    impl Transport for Scripted {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
            let body = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
            self.sent.lock().unwrap().push(body);
            self.answers
                .lock()
                .unwrap()
                .pop_front()
                .expect("a request beyond the script")
        }
    }

    fn toolbox(answers: Vec<Result<HttpResponse, TransportError>>) -> (Toolbox, Arc<Scripted>) {
        let transport = Arc::new(Scripted {
            answers: Mutex::new(answers.into()),
            ..Scripted::default()
        });
        let shared: Arc<dyn Transport> = transport.clone();
        let sdk = IntegrationClient::new("https://app.example.com/api/support", "secret", shared);
        (
            Toolbox {
                sdk: Some(sdk),
                stripe: None,
                knowledge: None,
            },
            transport,
        )
    }

    fn user() -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse::json(
            200,
            &json!({"id": "usr_1", "email": "dana@example.com", "createdAt": "2025-01-01T00:00:00.000Z"}),
        ))
    }

    fn purchases() -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse::json(
            200,
            &json!([{"id": "pur_1", "productId": "prod_1", "productName": "Total TypeScript", "purchasedAt": "2026-11-30T10:00:00.000Z",
                     "amount": 49900, "currency": "usd", "stripeChargeId": "ch_1", "status": "active"}]),
        ))
    }

    #[tokio::test]
    async fn the_senders_records_are_read_with_retries_in_transit() {
        let (toolbox, transport) = toolbox(vec![
            Err(TransportError::Other("connection reset".into())),
            user(),
            Ok(HttpResponse::json(503, &json!({"error": "restarting"}))),
            purchases(),
        ]);
        let (records, errors) = toolbox.sender_records("cnv_1", "Dana@Example.com").await;
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(records.account.unwrap().user_id, "usr_1");
        assert_eq!(records.purchases[0].charge_id.as_deref(), Some("ch_1"));
        let sent = transport.sent.lock().unwrap();
        assert_eq!(sent.len(), 4);
        assert_eq!(
            sent[0],
            json!({"action": "lookupUser", "email": "Dana@Example.com"})
        );
    }

    #[tokio::test]
    async fn a_read_gives_up_after_three_tries_and_answers_that_are_not_transient_are_not_repeated()
    {
        let (toolbox, transport) = toolbox(vec![
            Ok(HttpResponse::json(502, &json!({}))),
            Ok(HttpResponse::json(502, &json!({}))),
            Ok(HttpResponse::json(502, &json!({}))),
        ]);
        let (records, errors) = toolbox.sender_records("cnv_1", "dana@example.com").await;
        assert!(records.account.is_none());
        assert_eq!(errors[0].error, "the app answered 502");
        assert_eq!(transport.sent.lock().unwrap().len(), 3);
        for status in [400, 429, 500, 504] {
            let (toolbox, transport) = toolbox_with(status);
            let (_, errors) = toolbox.sender_records("cnv_1", "dana@example.com").await;
            assert_eq!(errors.len(), 1, "{status}");
            assert_eq!(transport.sent.lock().unwrap().len(), 1, "{status}");
        }
    }

    fn toolbox_with(status: u16) -> (Toolbox, Arc<Scripted>) {
        toolbox(vec![Ok(HttpResponse::json(
            status,
            &json!({"error": "no"}),
        ))])
    }

    #[tokio::test]
    async fn an_account_of_another_email_is_not_the_senders() {
        let (toolbox, _) = toolbox(vec![Ok(HttpResponse::json(
            200,
            &json!({"id": "usr_sam", "email": "sam@example.com", "createdAt": "2025-01-01T00:00:00.000Z"}),
        ))]);
        let (records, errors) = toolbox.sender_records("cnv_1", "dana@example.com").await;
        assert!(records.account.is_none());
        assert_eq!(errors.len(), 1);
    }

    #[tokio::test]
    async fn a_call_for_someone_else_reaches_nobody() {
        let (toolbox, transport) = toolbox(vec![]);
        let records = SenderRecords {
            conversation_id: "cnv_1".into(),
            email: "dana@example.com".into(),
            ..SenderRecords::default()
        };
        for (name, input) in [
            ("lookupUser", json!({"email": "sam@example.com"})),
            ("getPurchases", json!({"userId": "usr_sam"})),
            ("generateMagicLink", json!({"email": "sam@example.com"})),
        ] {
            let outcome = toolbox.call(name, &input, &records).await;
            assert!(
                matches!(outcome, Outcome::Refused { .. }),
                "{name}: {outcome:?}"
            );
        }
        let invalid = toolbox
            .call(
                "processRefund",
                &json!({"purchaseId": "pur_1", "reason": "r", "chargeId": "ch_x"}),
                &records,
            )
            .await;
        assert!(matches!(invalid, Outcome::Invalid { .. }), "{invalid:?}");
        assert!(
            transport.sent.lock().unwrap().is_empty(),
            "nothing was sent to the app"
        );
    }

    #[tokio::test]
    async fn a_login_link_is_a_placeholder_until_the_reply_is_sent() {
        let (toolbox, transport) = toolbox(vec![]);
        let records = SenderRecords {
            conversation_id: "cnv_1".into(),
            email: "dana@example.com".into(),
            account: Some(support_core::effect::Account {
                user_id: "usr_1".into(),
                email: "dana@example.com".into(),
                name: None,
            }),
            ..SenderRecords::default()
        };
        let outcome = toolbox
            .call(
                "generateMagicLink",
                &json!({"email": "dana@example.com"}),
                &records,
            )
            .await;
        let Outcome::Proposed {
            effect: Effect::LoginLink(link),
        } = &outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(link.account.email, "dana@example.com");
        let (shown, is_error) = outcome.for_model();
        assert!(!is_error);
        assert_eq!(shown["link"], LOGIN_LINK_PLACEHOLDER);
        assert!(
            transport.sent.lock().unwrap().is_empty(),
            "no link was minted"
        );
    }
}
