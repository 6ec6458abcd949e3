//! The `support-front` client against the Front stand-in, over real HTTP.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support_devkit::front::Seed;
use support_front::*;
use support_http::ReqwestTransport;

const TOKEN: &str = "front-dev-token";

async fn devkit() -> support_devkit::Running {
    let config = support_devkit::Config {
        front_api_token: Some(TOKEN.into()),
        front_seed: Seed::dev(),
        ..Default::default()
    };
    support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap()
}

fn client(d: &support_devkit::Running, token: &str) -> FrontClient {
    FrontClient::new(
        format!("{}/front", d.url()),
        token,
        Arc::new(ReqwestTransport::new()),
    )
}

async fn write(front: &FrontClient, subject: &str, thread_ref: Option<&str>) -> Accepted {
    let message = CustomMessage {
        sender: CustomSender {
            handle: "dana@example.com".into(),
            name: Some("Dana Lee".into()),
        },
        subject: Some(subject.into()),
        body: format!("About {subject}"),
        body_format: None,
        metadata: thread_ref.map(|r| CustomMetadata {
            thread_ref: Some(r.into()),
            headers: None,
        }),
    };
    front
        .receive_custom_message("cha_dev", &message)
        .await
        .unwrap()
}

async fn control(d: &support_devkit::Running, method: &str, path: &str, body: Value) -> Value {
    let client = reqwest::Client::new();
    let url = format!("{}/_devkit/front/{path}", d.url());
    let request = match method {
        "POST" => client.post(url).json(&body),
        _ => client.get(url),
    };
    let response = request.send().await.unwrap();
    response.json().await.unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_custom_message_becomes_a_conversation_the_client_reads() {
    let d = devkit().await;
    let front = client(&d, TOKEN);
    let accepted = write(&front, "Refund please", None).await;
    assert_eq!(accepted.status, "accepted");

    let message = front
        .get_message(&format!("alt:uid:{}", accepted.message_uid))
        .await
        .unwrap();
    assert!(message.id.starts_with("msg_"), "{}", message.id);
    assert!(message.is_inbound);
    assert_eq!(message.kind.as_deref(), Some("custom"));
    assert_eq!(message.text.as_deref(), Some("About Refund please"));
    assert_eq!(message.body.as_deref(), Some("<p>About Refund please</p>"));
    let sender = message.sender().unwrap();
    assert_eq!(
        (sender.handle.as_str(), sender.name.as_deref()),
        ("dana@example.com", Some("Dana Lee"))
    );
    assert_eq!(front.get_message(&message.id).await.unwrap().id, message.id);

    let page = front
        .list_contact_conversations("alt:email:dana@example.com")
        .await
        .unwrap();
    assert_eq!(page.results.len(), 1);
    let conversation = front.get_conversation(&page.results[0].id).await.unwrap();
    assert_eq!(conversation.subject.as_deref(), Some("Refund please"));
    assert_eq!(conversation.status.as_deref(), Some("unassigned"));
    assert_eq!(
        conversation.links.self_url,
        Some(format!(
            "{}/front/conversations/{}",
            d.url(),
            conversation.id
        ))
    );
    let messages = front
        .list_conversation_messages(&conversation.id)
        .await
        .unwrap();
    assert_eq!(messages, [message]);

    let inboxes = front
        .list_conversation_inboxes(&conversation.id)
        .await
        .unwrap();
    assert_eq!(
        inboxes.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        ["inb_dev"]
    );
    let channels = front.list_inbox_channels("inb_dev").await.unwrap();
    assert_eq!(
        channels.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["cha_dev"]
    );
    assert_eq!(front.list_channels().await.unwrap().len(), 2);
    let teammates: Vec<String> = front
        .list_teammates()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(teammates, ["tea_dev_support", "tea_dev_instructor"]);
}

#[tokio::test]
async fn a_thread_ref_keeps_messages_in_one_conversation() {
    let d = devkit().await;
    let front = client(&d, TOKEN);
    let first = write(&front, "Login", Some("thread-1")).await;
    let second = write(&front, "Login again", Some("thread-1")).await;
    write(&front, "Other", Some("thread-2")).await;
    let first = front
        .get_message(&format!("alt:uid:{}", first.message_uid))
        .await
        .unwrap();
    let second = front
        .get_message(&format!("alt:uid:{}", second.message_uid))
        .await
        .unwrap();
    let conversation_of = |m: &Message| {
        m.links.related.as_ref().unwrap()["conversation"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    };
    let cnv = conversation_of(&first);
    assert_eq!(cnv, conversation_of(&second));
    let messages = front.list_conversation_messages(&cnv).await.unwrap();
    let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), first.id.as_str()], "newest first");
    let all = front
        .list_conversations(&ConversationQuery::default())
        .await
        .unwrap();
    assert_eq!(all.results.len(), 2);
}

#[tokio::test]
async fn tags_are_listed_across_pages_created_added_and_removed() {
    let d = devkit().await;
    let front = client(&d, TOKEN);
    for i in 0..55 {
        front.create_tag(&format!("tag-{i}"), None).await.unwrap();
    }
    let refund = front
        .create_tag("refund", Some(Highlight::Red))
        .await
        .unwrap();
    assert!(refund.id.starts_with("tag_"));
    assert_eq!(refund.highlight.as_deref(), Some("red"));
    let duplicate = front.create_tag("refund", None).await.unwrap_err();
    assert_eq!(duplicate.status(), Some(409));

    let tags = front.list_tags().await.unwrap();
    assert_eq!(tags.len(), 56);
    let requests = control(&d, "GET", "requests", Value::Null).await;
    let tag_lists = requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/tags")
        .count();
    assert_eq!(tag_lists, 2, "two pages of 50");

    write(&front, "Refund", None).await;
    let cnv = front
        .list_conversations(&ConversationQuery::default())
        .await
        .unwrap()
        .results[0]
        .id
        .clone();
    front
        .add_conversation_tags(&cnv, &[refund.id.as_str(), tags[0].id.as_str()])
        .await
        .unwrap();
    front
        .remove_conversation_tags(&cnv, &[tags[0].id.as_str()])
        .await
        .unwrap();
    let names: Vec<String> = front
        .get_conversation(&cnv)
        .await
        .unwrap()
        .tags
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["refund"]);
    let unknown = front
        .add_conversation_tags(&cnv, &["tag_nope"])
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, FrontError::NotFound { .. }),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn status_assignee_and_comments() {
    let d = devkit().await;
    let front = client(&d, TOKEN);
    write(&front, "Access", None).await;
    let cnv = front
        .list_contact_conversations("alt:email:dana@example.com")
        .await
        .unwrap()
        .results[0]
        .id
        .clone();
    let status = |c: Conversation| (c.status.unwrap(), c.assignee.map(|a| a.id));

    front
        .update_conversation(&cnv, &ConversationUpdate::archive())
        .await
        .unwrap();
    assert_eq!(
        status(front.get_conversation(&cnv).await.unwrap()),
        ("archived".into(), None)
    );
    front.set_assignee(&cnv, "tea_dev_support").await.unwrap();
    let reopen = ConversationUpdate {
        status: Some(ConversationStatus::Open),
        assignee_id: None,
    };
    front.update_conversation(&cnv, &reopen).await.unwrap();
    assert_eq!(
        status(front.get_conversation(&cnv).await.unwrap()),
        ("assigned".into(), Some("tea_dev_support".into()))
    );
    let unassign = ConversationUpdate {
        status: None,
        assignee_id: Some(None),
    };
    front.update_conversation(&cnv, &unassign).await.unwrap();
    assert_eq!(
        status(front.get_conversation(&cnv).await.unwrap()),
        ("unassigned".into(), None)
    );
    let missing = front.set_assignee(&cnv, "tea_nobody").await.unwrap_err();
    assert!(matches!(missing, FrontError::NotFound { .. }));

    let comment = front
        .add_comment(&cnv, "Needs a refund", Some("tea_dev_instructor"))
        .await
        .unwrap();
    assert!(comment.id.starts_with("com_"));
    assert_eq!(
        comment.author.and_then(|a| a.email).as_deref(),
        Some("instructor@example.com")
    );
    let comments = front.list_conversation_comments(&cnv).await.unwrap();
    assert_eq!(
        comments.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(),
        ["Needs a refund"]
    );
    let empty = front.add_comment(&cnv, " ", None).await.unwrap_err();
    assert_eq!(empty.status(), Some(400));
}

#[tokio::test]
async fn drafts_are_created_listed_deleted_and_replies_sent() {
    let d = devkit().await;
    let front = client(&d, TOKEN);
    write(&front, "Refund", None).await;
    let cnv = front
        .list_conversations(&ConversationQuery::default())
        .await
        .unwrap()
        .results[0]
        .id
        .clone();
    let mut draft = NewDraft::shared("<p>Refunded.</p>", "cha_dev");
    draft.author_id = Some("tea_dev_support".into());
    let created = front.create_draft(&cnv, &draft).await.unwrap();
    assert_eq!(created.draft_mode.as_deref(), Some("shared"));
    let version = created.version.clone().unwrap();
    assert_eq!(
        front.list_conversation_drafts(&cnv).await.unwrap(),
        std::slice::from_ref(&created)
    );
    assert_eq!(
        front.list_conversation_messages(&cnv).await.unwrap().len(),
        1,
        "drafts are not messages"
    );

    let stale = front
        .delete_draft(&created.id, "not-the-version")
        .await
        .unwrap_err();
    assert_eq!(stale.status(), Some(409));
    front.delete_draft(&created.id, &version).await.unwrap();
    assert!(front
        .list_conversation_drafts(&cnv)
        .await
        .unwrap()
        .is_empty());
    let gone = front.delete_draft(&created.id, &version).await.unwrap_err();
    assert!(matches!(gone, FrontError::NotFound { .. }));
    let unknown_channel = front
        .create_draft(&cnv, &NewDraft::shared("x", "cha_nope"))
        .await
        .unwrap_err();
    assert!(matches!(unknown_channel, FrontError::NotFound { .. }));

    let reply = NewReply {
        body: "Refunded.".into(),
        author_id: Some("tea_dev_support".into()),
        channel_id: None,
    };
    let accepted = front.reply(&cnv, &reply).await.unwrap();
    let sent = front
        .get_message(&format!("alt:uid:{}", accepted.message_uid))
        .await
        .unwrap();
    assert!(!sent.is_inbound);
    assert_eq!(
        sent.author.map(|a| a.id).as_deref(),
        Some("tea_dev_support")
    );
    assert_eq!(sent.recipients[1].handle, "dana@example.com");
    let conversation = front.get_conversation(&cnv).await.unwrap();
    assert_eq!(
        conversation.status.as_deref(),
        Some("archived"),
        "Front archives on reply"
    );
}

#[tokio::test]
async fn failures_are_typed_errors() {
    let d = devkit().await;
    let front = client(&d, TOKEN);
    let missing = front.get_conversation("cnv_missing").await.unwrap_err();
    assert!(
        matches!(missing, FrontError::NotFound { .. }),
        "{missing:?}"
    );
    let unauthorized = client(&d, "wrong").list_tags().await.unwrap_err();
    assert_eq!(unauthorized.status(), Some(401));
    assert!(!unauthorized.is_retryable());

    control(
        &d,
        "POST",
        "failures",
        json!({"method": "GET", "path_prefix": "/teammates", "status": 429, "retry_after": 2, "times": 1}),
    )
    .await;
    let limited = front.list_teammates().await.unwrap_err();
    assert_eq!(
        limited,
        FrontError::RateLimited {
            retry_after: Some(Duration::from_secs(2))
        }
    );
    assert!(limited.is_retryable());
    assert_eq!(front.list_teammates().await.unwrap().len(), 2, "once only");

    control(&d, "POST", "failures", json!({"status": 503, "times": 1})).await;
    let down = front.list_channels().await.unwrap_err();
    assert_eq!((down.status(), down.is_retryable()), (Some(503), true));
}

#[tokio::test]
async fn conversations_are_filtered_by_status_and_paged() {
    let d = devkit().await;
    let front = client(&d, TOKEN);
    for subject in ["a", "b", "c"] {
        write(&front, subject, None).await;
    }
    let all = front
        .list_conversations(&ConversationQuery::default())
        .await
        .unwrap();
    front
        .update_conversation(&all.results[0].id, &ConversationUpdate::archive())
        .await
        .unwrap();
    let open = ConversationQuery {
        statuses: vec!["unassigned".into()],
        limit: Some(1),
        page_token: None,
    };
    let first = front.list_conversations(&open).await.unwrap();
    assert_eq!(first.results.len(), 1);
    let next = first.next.clone().unwrap();
    assert!(next.contains("page_token="), "{next}");
    let second: Page<Conversation> = front.next_page(&next).await.unwrap();
    assert_eq!(second.results.len(), 1);
    assert_eq!(second.next, None);
    let subjects: Vec<_> = [&first, &second]
        .iter()
        .map(|p| p.results[0].subject.clone().unwrap())
        .collect();
    assert_eq!(
        subjects,
        ["b", "a"],
        "newest first, the archived one left out"
    );
}
