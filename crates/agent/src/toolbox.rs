//! The tools that run when the agent calls them, over the app's SDK endpoint and its
//! Stripe connected account. Every failure comes back as a short message for the model
//! (never a secret, never shown to the customer: validation keeps it out of drafts).

use std::sync::Arc;

use serde::Serialize;
use serde_json::{json, Map, Value};
use support_http::Transport;
use support_sdk::{IntegrationClient, IntegrationError, Request};
use support_stripe::StripeClient;

/// What the tools reach.
pub struct Toolbox {
    /// The app's SDK endpoint, signed with its current secret.
    pub sdk: Option<IntegrationClient<Arc<dyn Transport>>>,
    /// Stripe, with the app's connected account.
    pub stripe: Option<(Arc<StripeClient>, String)>,
}

/// How often a read-only SDK action is tried when it fails in transit.
const READ_ATTEMPTS: usize = 3;

/// A failure worth one more try at once: the request may not have reached the app (a
/// transport error, a 502 from its gateway) or the app is restarting (503). Not a 429
/// (asking again at once is what it asks not to do) nor a 504 (the gateway already
/// waited its own timeout).
fn transient(answer: &Result<(u16, Value), IntegrationError>) -> bool {
    match answer {
        Ok((status, _)) => matches!(status, 502 | 503),
        Err(IntegrationError::Transport(_)) => true,
        Err(_) => false,
    }
}

fn to_value(value: impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn field<'a>(input: &'a Value, name: &str) -> Result<&'a str, String> {
    input
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{name} is required"))
}

impl Toolbox {
    /// Run the tool `name` with `input`.
    pub async fn run(&self, name: &str, input: &Value) -> Result<Value, String> {
        match name {
            "lookupUser" => self.lookup_user(input).await,
            "searchKnowledge" => Ok(json!({"results": [], "note": "the knowledge base is empty"})),
            "escalateToHuman" => {
                Ok(json!({"escalated": true, "note": "A teammate will take over. Write no reply."}))
            }
            "getPaymentHistory" | "getSubscriptionStatus" | "lookupCharge" | "verifyRefund" => {
                self.stripe_read(name, input).await
            }
            "getPurchases"
            | "getProductStatus"
            | "searchContent"
            | "getCouponInfo"
            | "getActivePromotions"
            | "getRefundPolicy"
            | "generateMagicLink" => {
                let mut body = input.as_object().cloned().unwrap_or_default();
                if name == "generateMagicLink" && !body.contains_key("expiresIn") {
                    body.insert("expiresIn".into(), json!(86_400));
                }
                self.sdk_call(name, body).await
            }
            other => Err(format!("{other} cannot run here")),
        }
    }

    /// One SDK action; `501` means the app does not offer it (a fact, not an error).
    pub async fn sdk_call(
        &self,
        action: &str,
        mut params: Map<String, Value>,
    ) -> Result<Value, String> {
        let sdk = self.sdk.as_ref().ok_or("the app has no SDK endpoint")?;
        params.insert("action".into(), json!(action));
        let request: Request = serde_json::from_value(Value::Object(params))
            .map_err(|e| format!("bad input for {action}: {e}"))?;
        // A read that fails on the way (a dropped connection, the app restarting) is
        // asked again, so one glitch does not leave the agent without the
        // customer's purchases. A change in the app is sent once: a retry could apply it
        // twice. A timeout is not retried either (the wait would triple).
        let attempts = if request.action().is_mutation() {
            1
        } else {
            READ_ATTEMPTS
        };
        let mut answer = sdk.call_raw(&request).await;
        for _ in 1..attempts {
            if !transient(&answer) {
                break;
            }
            answer = sdk.call_raw(&request).await;
        }
        match answer {
            Ok((status, body)) if (200..300).contains(&status) => Ok(body),
            Ok((501, _)) => Ok(json!({"offered": false})),
            Ok((404, _)) if action == "lookupUser" => Ok(Value::Null),
            Ok((status, _)) => Err(format!("{action} failed (the app answered {status})")),
            Err(e) => Err(format!("{action} failed ({e})")),
        }
    }

    async fn lookup_user(&self, input: &Value) -> Result<Value, String> {
        let email = field(input, "email")?;
        let mut params = Map::new();
        params.insert("email".into(), json!(email));
        let user = self.sdk_call("lookupUser", params).await?;
        let Some(user_id) = user.get("id").and_then(Value::as_str) else {
            return Ok(json!({"found": false}));
        };
        let mut params = Map::new();
        params.insert("userId".into(), json!(user_id));
        let purchases = self.sdk_call("getPurchases", params).await?;
        Ok(json!({"found": true, "user": user, "purchases": purchases}))
    }

    async fn stripe_read(&self, name: &str, input: &Value) -> Result<Value, String> {
        let (stripe, account) = self
            .stripe
            .as_ref()
            .ok_or("payments are not connected for this app")?;
        let result = match name {
            "getPaymentHistory" => {
                let limit = input
                    .get("limit")
                    .and_then(Value::as_u64)
                    .unwrap_or(10)
                    .clamp(1, 25) as u8;
                stripe
                    .list_charges(account, field(input, "customerId")?, limit)
                    .await
                    .map(to_value)
            }
            "getSubscriptionStatus" => stripe
                .list_subscriptions(account, field(input, "customerId")?)
                .await
                .map(to_value),
            "lookupCharge" => stripe
                .retrieve_charge(account, field(input, "chargeId")?)
                .await
                .map(to_value),
            _ => stripe
                .retrieve_refund(account, field(input, "refundId")?)
                .await
                .map(to_value),
        };
        result.map_err(|e| format!("{name} failed ({e})"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use support_http::{HttpRequest, HttpResponse, TransportError};

    use super::*;

    /// Answers from a script, in order, and counts the requests.
    #[derive(Default)]
    struct Scripted {
        answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
        sent: Mutex<usize>,
    }

    #[async_trait::async_trait]
    impl Transport for Scripted {
        async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
            *self.sent.lock().unwrap() += 1;
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
            },
            transport,
        )
    }

    fn params(pairs: Value) -> Map<String, Value> {
        pairs.as_object().cloned().unwrap()
    }

    fn purchases() -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse::json(200, &json!([{"id": "pur_1"}])))
    }

    #[tokio::test]
    async fn a_read_that_fails_in_transit_is_asked_again() {
        let (toolbox, transport) = toolbox(vec![
            Err(TransportError::Other("connection reset".into())),
            Ok(HttpResponse::json(503, &json!({"error": "restarting"}))),
            purchases(),
        ]);
        let answer = toolbox
            .sdk_call("getPurchases", params(json!({"userId": "usr_1"})))
            .await;
        assert_eq!(answer, Ok(json!([{"id": "pur_1"}])));
        assert_eq!(*transport.sent.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn a_read_gives_up_after_three_tries_and_says_why() {
        let (toolbox, transport) = toolbox(vec![
            Ok(HttpResponse::json(502, &json!({}))),
            Ok(HttpResponse::json(502, &json!({}))),
            Ok(HttpResponse::json(502, &json!({}))),
        ]);
        let answer = toolbox
            .sdk_call("getPurchases", params(json!({"userId": "usr_1"})))
            .await;
        assert_eq!(
            answer,
            Err("getPurchases failed (the app answered 502)".to_owned())
        );
        assert_eq!(*transport.sent.lock().unwrap(), 3);
    }

    #[tokio::test]
    async fn an_answer_that_is_not_transient_is_not_asked_again() {
        for status in [400, 429, 500, 504] {
            let (toolbox, transport) = toolbox(vec![Ok(HttpResponse::json(
                status,
                &json!({"error": "no"}),
            ))]);
            let answer = toolbox
                .sdk_call("getPurchases", params(json!({"userId": "usr_1"})))
                .await;
            assert_eq!(
                answer,
                Err(format!("getPurchases failed (the app answered {status})"))
            );
            assert_eq!(*transport.sent.lock().unwrap(), 1, "{status}");
        }
    }

    #[tokio::test]
    async fn a_change_in_the_app_is_sent_once_even_when_it_fails_in_transit() {
        let (toolbox, transport) =
            toolbox(vec![Err(TransportError::Other("connection reset".into()))]);
        let answer = toolbox
            .sdk_call(
                "generateMagicLink",
                params(json!({"email": "dana@example.com", "expiresIn": 3600})),
            )
            .await;
        assert!(
            answer
                .as_ref()
                .is_err_and(|e| e.starts_with("generateMagicLink failed")),
            "{answer:?}"
        );
        assert_eq!(*transport.sent.lock().unwrap(), 1);
    }
}
