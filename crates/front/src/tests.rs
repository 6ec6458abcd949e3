//! The client against a fake transport: what goes on the wire and what comes back.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};

use crate::*;

const BASE: &str = "https://api2.frontapp.com";
const TOKEN: &str = "front-token-do-not-leak";

/// Answers from a script, in order, and records every request.
#[derive(Default)]
struct Fake {
    answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
    requests: Mutex<Vec<HttpRequest>>,
}

#[async_trait::async_trait]
impl Transport for Fake {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.requests.lock().unwrap().push(request);
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Ok(HttpResponse::new(599)))
    }
}

impl Fake {
    fn answer(&self, status: u16, body: Value) -> &Self {
        let response = if body.is_null() {
            HttpResponse::new(status)
        } else {
            HttpResponse::json(status, &body)
        };
        self.answers.lock().unwrap().push_back(Ok(response));
        self
    }

    fn requests(&self) -> Vec<HttpRequest> {
        self.requests.lock().unwrap().clone()
    }

    fn only_request(&self) -> HttpRequest {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "{requests:#?}");
        requests[0].clone()
    }
}

fn client() -> (FrontClient, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    (FrontClient::new(BASE, TOKEN, fake.clone()), fake)
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn body(request: &HttpRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

fn inbound_message() -> Value {
    json!({
        "_links": {"self": "https://acme.api.frontapp.com/messages/msg_1",
                   "related": {"conversation": "https://acme.api.frontapp.com/conversations/cnv_1"}},
        "id": "msg_1", "message_uid": "3b1q41d8", "type": "email", "is_inbound": true,
        "draft_mode": null, "created_at": 1732690412.512, "subject": "Refund",
        "blurb": "Hi", "body": "<p>Hi</p>", "text": "Hi", "author": null,
        "recipients": [{"name": "Dana Lee", "handle": "dana@example.com", "role": "from",
                        "_links": {"related": {"contact": null}}},
                       {"name": null, "handle": "support@acme.com", "role": "to"}],
        "attachments": [], "signature": null, "metadata": {}, "error_type": null,
        "some_future_field": {"ignored": true}
    })
}

#[tokio::test]
async fn get_message_sends_the_token_and_decodes_the_message() {
    let (front, fake) = client();
    fake.answer(200, inbound_message());
    let message = front.get_message("msg_1").await.unwrap();
    let request = fake.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.url, "https://api2.frontapp.com/messages/msg_1");
    assert_eq!(
        header(&request, "authorization"),
        Some("Bearer front-token-do-not-leak")
    );
    assert_eq!(header(&request, "accept"), Some("application/json"));
    assert_eq!(header(&request, "content-type"), None);
    assert!(request.body.is_empty());
    assert_eq!(request.timeout, DEFAULT_TIMEOUT);
    assert_eq!(message.id, "msg_1");
    assert!(message.is_inbound);
    assert_eq!(message.created_at, Some(1732690412.512));
    assert_eq!(message.text.as_deref(), Some("Hi"));
    assert_eq!(message.author, None);
    let sender = message.sender().unwrap();
    assert_eq!(
        (sender.handle.as_str(), sender.name.as_deref()),
        ("dana@example.com", Some("Dana Lee"))
    );
    assert_eq!(
        message.links.self_url.as_deref(),
        Some("https://acme.api.frontapp.com/messages/msg_1")
    );
}

#[tokio::test]
async fn me_says_who_the_token_is() {
    let (front, fake) = client();
    fake.answer(
        200,
        json!({"_links": {"self": "https://acme.api.frontapp.com/me"}, "id": "cmp_1", "name": "Acme"}),
    );
    let me = front.me().await.unwrap();
    assert_eq!(
        (me.id.as_str(), me.name.as_deref()),
        ("cmp_1", Some("Acme"))
    );
    let request = fake.only_request();
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("GET", "https://api2.frontapp.com/me")
    );
    assert_eq!(
        header(&request, "authorization"),
        Some("Bearer front-token-do-not-leak")
    );

    fake.answer(
        401,
        json!({"_error": {"status": 401, "title": "Unauthorized", "message": "Invalid token"}}),
    );
    let error = front.me().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert!(!format!("{error} {error:?}").contains(TOKEN));
}

#[tokio::test]
async fn the_timeout_is_settable() {
    let fake = Arc::new(Fake::default());
    let front = FrontClient::new(BASE, TOKEN, fake.clone()).with_timeout(Duration::from_secs(2));
    fake.answer(200, json!({"id": "cnv_1", "subject": null}));
    let conversation = front.get_conversation("cnv_1").await.unwrap();
    assert_eq!(conversation.subject, None);
    assert_eq!(fake.only_request().timeout, Duration::from_secs(2));
}

#[tokio::test]
async fn lists_follow_pagination_to_the_end() {
    let (front, fake) = client();
    let next = "https://acme.api.frontapp.com/tags?page_token=p2";
    fake.answer(
        200,
        json!({"_pagination": {"next": next}, "_links": {"self": "x"},
               "_results": [{"id": "tag_1", "name": "refund", "highlight": "red"}]}),
    )
    .answer(
        200,
        json!({"_pagination": {"next": null}, "_results": [{"id": "tag_2", "name": "spam"}]}),
    );
    let tags = front.list_tags().await.unwrap();
    let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["refund", "spam"]);
    let urls: Vec<_> = fake.requests().into_iter().map(|r| r.url).collect();
    assert_eq!(urls, ["https://api2.frontapp.com/tags", next]);
}

#[tokio::test]
async fn pagination_links_elsewhere_are_not_followed() {
    let (front, fake) = client();
    fake.answer(
        200,
        json!({"_pagination": {"next": "https://collector.example/tags?page_token=2"},
               "_results": [{"id": "tag_1", "name": "a"}]}),
    );
    let error = front.list_tags().await.unwrap_err();
    assert!(matches!(error, FrontError::Decode(_)), "{error:?}");
    assert_eq!(fake.requests().len(), 1, "the token went nowhere else");
}

#[tokio::test]
async fn endless_pagination_stops_at_the_cap() {
    let (front, fake) = client();
    for _ in 0..MAX_PAGES + 5 {
        fake.answer(
            200,
            json!({"_pagination": {"next": "https://api2.frontapp.com/teammates?page_token=same"},
                   "_results": []}),
        );
    }
    let error = front.list_teammates().await.unwrap_err();
    assert!(matches!(error, FrontError::Decode(_)), "{error:?}");
    assert_eq!(fake.requests().len(), MAX_PAGES);
}

#[tokio::test]
async fn tags_are_added_and_removed_with_their_ids_in_the_body() {
    let (front, fake) = client();
    fake.answer(204, Value::Null).answer(204, Value::Null);
    front
        .add_conversation_tags("cnv_1", &["tag_1", "tag_2"])
        .await
        .unwrap();
    front
        .remove_conversation_tags("cnv_1", &[String::from("tag_2")])
        .await
        .unwrap();
    let requests = fake.requests();
    assert_eq!(
        (requests[0].method.as_str(), requests[0].url.as_str()),
        ("POST", "https://api2.frontapp.com/conversations/cnv_1/tags")
    );
    assert_eq!(body(&requests[0]), json!({"tag_ids": ["tag_1", "tag_2"]}));
    assert_eq!(
        header(&requests[0], "content-type"),
        Some("application/json")
    );
    assert_eq!(
        (requests[1].method.as_str(), requests[1].url.as_str()),
        (
            "DELETE",
            "https://api2.frontapp.com/conversations/cnv_1/tags"
        )
    );
    assert_eq!(body(&requests[1]), json!({"tag_ids": ["tag_2"]}));
}

#[tokio::test]
async fn create_tag_posts_name_and_highlight() {
    let (front, fake) = client();
    fake.answer(
        201,
        json!({"id": "tag_9", "name": "refund", "highlight": "light-blue"}),
    );
    let tag = front
        .create_tag("refund", Some(Highlight::LightBlue))
        .await
        .unwrap();
    assert_eq!(tag.id, "tag_9");
    let request = fake.only_request();
    assert_eq!(
        (request.method.as_str(), request.url.as_str()),
        ("POST", "https://api2.frontapp.com/tags")
    );
    assert_eq!(
        body(&request),
        json!({"name": "refund", "highlight": "light-blue"})
    );
}

#[tokio::test]
async fn conversations_are_updated_and_assigned() {
    let (front, fake) = client();
    for _ in 0..3 {
        fake.answer(204, Value::Null);
    }
    front
        .update_conversation("cnv_1", &ConversationUpdate::archive())
        .await
        .unwrap();
    let unassign = ConversationUpdate {
        status: Some(ConversationStatus::Open),
        assignee_id: Some(None),
    };
    front.update_conversation("cnv_1", &unassign).await.unwrap();
    front.set_assignee("cnv_1", "tea_2").await.unwrap();
    let requests = fake.requests();
    let calls: Vec<_> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.url.as_str(), body(r)))
        .collect();
    let cnv = "https://api2.frontapp.com/conversations/cnv_1";
    assert_eq!(
        calls,
        [
            ("PATCH", cnv, json!({"status": "archived"})),
            ("PATCH", cnv, json!({"status": "open", "assignee_id": null})),
            (
                "PUT",
                "https://api2.frontapp.com/conversations/cnv_1/assignee",
                json!({"assignee_id": "tea_2"})
            ),
        ]
    );
}

#[tokio::test]
async fn comments_and_drafts_round_trip() {
    let (front, fake) = client();
    fake.answer(
        201,
        json!({"id": "com_1", "body": "note", "posted_at": 1.5, "is_pinned": false,
               "author": {"id": "tea_1", "email": "support@example.com"}}),
    )
    .answer(
        200,
        json!({"id": "msg_d1", "draft_mode": "shared", "version": "v1", "is_inbound": false}),
    )
    .answer(204, Value::Null);
    let comment = front
        .add_comment("cnv_1", "note", Some("tea_1"))
        .await
        .unwrap();
    assert_eq!(
        comment.author.and_then(|a| a.email).as_deref(),
        Some("support@example.com")
    );
    let draft = front
        .create_draft("cnv_1", &NewDraft::shared("<p>Hi</p>", "cha_1"))
        .await
        .unwrap();
    assert_eq!(
        (draft.draft_mode.as_deref(), draft.version.as_deref()),
        (Some("shared"), Some("v1"))
    );
    front.delete_draft("msg_d1", "v1").await.unwrap();
    let requests = fake.requests();
    assert_eq!(
        body(&requests[0]),
        json!({"body": "note", "author_id": "tea_1"})
    );
    assert_eq!(
        requests[1].url,
        "https://api2.frontapp.com/conversations/cnv_1/drafts"
    );
    assert_eq!(
        body(&requests[1]),
        json!({"body": "<p>Hi</p>", "channel_id": "cha_1", "mode": "shared"})
    );
    assert_eq!(
        (requests[2].method.as_str(), requests[2].url.as_str()),
        ("DELETE", "https://api2.frontapp.com/drafts/msg_d1")
    );
    assert_eq!(body(&requests[2]), json!({"version": "v1"}));
}

#[tokio::test]
async fn replies_and_custom_messages_are_accepted() {
    let (front, fake) = client();
    fake.answer(202, json!({"status": "accepted", "message_uid": "u1"}))
        .answer(202, json!({"status": "accepted", "message_uid": "u2"}));
    let reply = NewReply {
        body: "Done".into(),
        ..Default::default()
    };
    assert_eq!(
        front.reply("cnv_1", &reply).await.unwrap().message_uid,
        "u1"
    );
    let message = CustomMessage {
        sender: CustomSender {
            handle: "dana@example.com".into(),
            name: Some("Dana Lee".into()),
        },
        subject: Some("Refund".into()),
        body: "Hi".into(),
        body_format: Some(BodyFormat::Markdown),
        metadata: Some(CustomMetadata {
            thread_ref: Some("t-1".into()),
            headers: None,
        }),
    };
    let accepted = front
        .receive_custom_message("cha_1", &message)
        .await
        .unwrap();
    assert_eq!(
        accepted,
        Accepted {
            status: "accepted".into(),
            message_uid: "u2".into()
        }
    );
    let requests = fake.requests();
    assert_eq!(body(&requests[0]), json!({"body": "Done"}));
    assert_eq!(
        requests[1].url,
        "https://api2.frontapp.com/channels/cha_1/incoming_messages"
    );
    assert_eq!(
        body(&requests[1]),
        json!({"sender": {"handle": "dana@example.com", "name": "Dana Lee"},
               "subject": "Refund", "body": "Hi", "body_format": "markdown",
               "metadata": {"thread_ref": "t-1"}})
    );
}

#[tokio::test]
async fn ids_are_path_encoded_and_dot_segments_refused() {
    let (front, fake) = client();
    fake.answer(
        200,
        json!({"_results": [{"id": "cnv_1"}], "_pagination": {"next": null}}),
    );
    let page = front
        .list_contact_conversations("alt:email:dana@example.com")
        .await
        .unwrap();
    assert_eq!((page.results.len(), page.next), (1, None));
    assert_eq!(
        fake.only_request().url,
        "https://api2.frontapp.com/contacts/alt%3Aemail%3Adana%40example.com/conversations"
    );
    let error = front.get_conversation("..").await.unwrap_err();
    assert_eq!(error, FrontError::InvalidId("conversation id"));
    assert_eq!(fake.requests().len(), 1, "nothing sent for an invalid id");
}

#[tokio::test]
async fn list_conversations_puts_the_query_in_the_url() {
    let (front, fake) = client();
    fake.answer(
        200,
        json!({"_results": [], "_pagination": {"next": "https://api2.frontapp.com/conversations?page_token=n"}}),
    );
    let query = ConversationQuery {
        statuses: vec!["unassigned".into()],
        limit: Some(25),
        page_token: Some("a b".into()),
    };
    let page = front.list_conversations(&query).await.unwrap();
    assert_eq!(
        page.next.as_deref(),
        Some("https://api2.frontapp.com/conversations?page_token=n")
    );
    assert_eq!(
        fake.only_request().url,
        "https://api2.frontapp.com/conversations?q%5Bstatuses%5D%5B%5D=unassigned&limit=25&page_token=a%20b"
    );
}

#[tokio::test]
async fn failures_become_typed_errors_without_the_token() {
    let (front, fake) = client();
    fake.answers.lock().unwrap().extend([
        Ok(HttpResponse::json(
            429,
            &json!({"_error": {"status": 429, "title": "Too many requests"}}),
        )
        .with_header("Retry-After", "3")),
        Ok(HttpResponse::json(
            404,
            &json!({"_error": {"status": 404, "title": "Not found", "message": "Unknown message"}}),
        )),
        Ok(HttpResponse::json(
            503,
            &json!({"_error": {"status": 503, "title": "Service unavailable", "message": "later"}}),
        )),
        Err(TransportError::Timeout),
        Ok(HttpResponse::json(200, &json!({"no": "id"}))),
    ]);
    let mut errors = Vec::new();
    for _ in 0..5 {
        errors.push(front.get_message("msg_1").await.unwrap_err());
    }
    assert_eq!(
        errors[0],
        FrontError::RateLimited {
            retry_after: Some(Duration::from_secs(3))
        }
    );
    assert_eq!(
        errors[1],
        FrontError::NotFound {
            message: "Unknown message".into()
        }
    );
    assert_eq!(errors[2].status(), Some(503));
    assert_eq!(errors[3], FrontError::Transport(TransportError::Timeout));
    assert!(matches!(errors[4], FrontError::Decode(_)));
    let retryable: Vec<bool> = errors.iter().map(FrontError::is_retryable).collect();
    assert_eq!(retryable, [true, false, true, true, false]);
    for error in &errors {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}
