//! Block Kit checks on blocks and views as received, with Slack's limits, written here
//! independently of `support-slack` so that the stand-in catches the client's mistakes.
//! A problem is reported as Slack does: a message ending in `[json-pointer:/blocks/0/text]`.

use serde_json::Value;

/// Most blocks in a message.
pub const MAX_MESSAGE_BLOCKS: usize = 50;
/// Most blocks in a modal.
pub const MAX_VIEW_BLOCKS: usize = 100;

/// Block types Slack knows; the ones the platform uses are checked in detail.
const KNOWN_BLOCKS: &[&str] = &[
    "section",
    "header",
    "context",
    "actions",
    "divider",
    "input",
    "image",
    "rich_text",
    "file",
    "video",
    "markdown",
];

type Check = Result<(), String>;

fn fail(message: &str, pointer: &str) -> Check {
    Err(format!("{message} [json-pointer:{pointer}]"))
}

/// Checks a `blocks` argument of a message (`max` 50) or a modal (`max` 100).
pub fn check_blocks(blocks: &Value, max: usize, pointer: &str) -> Check {
    let Some(list) = blocks.as_array() else {
        return fail("must be an array", pointer);
    };
    if list.len() > max {
        return fail(&format!("must be less than {} items", max + 1), pointer);
    }
    for (index, block) in list.iter().enumerate() {
        check_block(block, &format!("{pointer}/{index}"))?;
    }
    Ok(())
}

fn check_block(block: &Value, at: &str) -> Check {
    let kind = block
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !KNOWN_BLOCKS.contains(&kind) {
        return fail("unsupported type", &format!("{at}/type"));
    }
    if let Some(id) = block.get("block_id") {
        check_string(id, 1, 255, &format!("{at}/block_id"))?;
    }
    match kind {
        "header" => check_text(block.get("text"), 150, true, &format!("{at}/text")),
        "section" => {
            let text = block.get("text");
            let fields = block.get("fields");
            if text.is_none() && fields.is_none() {
                return fail("must provide either text or fields", at);
            }
            if text.is_some() {
                check_text(text, 3000, false, &format!("{at}/text"))?;
            }
            if let Some(fields) = fields {
                let list = list(fields, 1, 10, &format!("{at}/fields"))?;
                for (i, field) in list.iter().enumerate() {
                    check_text(Some(field), 2000, false, &format!("{at}/fields/{i}"))?;
                }
            }
            match block.get("accessory") {
                Some(element) => check_element(element, &format!("{at}/accessory")),
                None => Ok(()),
            }
        }
        "context" => {
            let elements = block.get("elements").unwrap_or(&Value::Null);
            let list = list(elements, 1, 10, &format!("{at}/elements"))?;
            for (i, element) in list.iter().enumerate() {
                if element.get("type").and_then(Value::as_str) != Some("image") {
                    check_text(Some(element), 3000, false, &format!("{at}/elements/{i}"))?;
                }
            }
            Ok(())
        }
        "actions" => {
            let elements = block.get("elements").unwrap_or(&Value::Null);
            let list = list(elements, 1, 25, &format!("{at}/elements"))?;
            for (i, element) in list.iter().enumerate() {
                check_element(element, &format!("{at}/elements/{i}"))?;
            }
            Ok(())
        }
        "input" => {
            check_text(block.get("label"), 2000, true, &format!("{at}/label"))?;
            match block.get("element") {
                Some(element) => check_element(element, &format!("{at}/element")),
                None => fail("must provide an element", at),
            }
        }
        _ => Ok(()),
    }
}

fn check_element(element: &Value, at: &str) -> Check {
    let kind = element
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(id) = element.get("action_id") {
        check_string(id, 1, 255, &format!("{at}/action_id"))?;
    }
    match kind {
        "button" => {
            check_text(element.get("text"), 75, true, &format!("{at}/text"))?;
            if let Some(value) = element.get("value") {
                check_string(value, 1, 2000, &format!("{at}/value"))?;
            }
            if let Some(url) = element.get("url") {
                check_string(url, 1, 3000, &format!("{at}/url"))?;
            }
            match element.get("style").map(|s| s.as_str()) {
                None | Some(Some("primary" | "danger")) => Ok(()),
                Some(_) => fail("must be one of primary, danger", &format!("{at}/style")),
            }
        }
        "plain_text_input" => match element.get("initial_value") {
            Some(value) => check_string(value, 0, 3000, &format!("{at}/initial_value")),
            None => Ok(()),
        },
        "" => fail("must provide a type", at),
        _ => Ok(()),
    }
}

/// A text object: `{"type": "plain_text"|"mrkdwn", "text": 1..=max characters}`.
fn check_text(text: Option<&Value>, max: usize, plain_only: bool, at: &str) -> Check {
    let Some(text) = text else {
        return fail("must provide an object", at);
    };
    match text.get("type").and_then(Value::as_str) {
        Some("plain_text") => {}
        Some("mrkdwn") if !plain_only => {}
        Some("mrkdwn") => return fail("must be plain_text", &format!("{at}/type")),
        _ => return fail("must be one of plain_text, mrkdwn", &format!("{at}/type")),
    }
    check_string(
        text.get("text").unwrap_or(&Value::Null),
        1,
        max,
        &format!("{at}/text"),
    )
}

fn check_string(value: &Value, min: usize, max: usize, at: &str) -> Check {
    let Some(text) = value.as_str() else {
        return fail("must be a string", at);
    };
    let length = text.chars().count();
    if length < min {
        return fail(&format!("must be more than {} characters", min - 1), at);
    }
    if length > max {
        return fail(&format!("must be less than {} characters", max + 1), at);
    }
    Ok(())
}

fn list<'a>(value: &'a Value, min: usize, max: usize, at: &str) -> Result<&'a [Value], String> {
    let Some(list) = value.as_array() else {
        return Err(format!("must be an array [json-pointer:{at}]"));
    };
    if list.len() < min {
        return Err(format!(
            "must provide at least {min} items [json-pointer:{at}]"
        ));
    }
    if list.len() > max {
        return Err(format!(
            "must be less than {} items [json-pointer:{at}]",
            max + 1
        ));
    }
    Ok(list)
}

/// Checks a `view` argument of `views.open` (a modal).
pub fn check_view(view: &Value) -> Check {
    if view.get("type").and_then(Value::as_str) != Some("modal") {
        return fail("must be modal", "/view/type");
    }
    check_text(view.get("title"), 24, true, "/view/title")?;
    for label in ["submit", "close"] {
        if view.get(label).is_some() {
            check_text(view.get(label), 24, true, &format!("/view/{label}"))?;
        }
    }
    if let Some(id) = view.get("callback_id") {
        check_string(id, 0, 255, "/view/callback_id")?;
    }
    if let Some(metadata) = view.get("private_metadata") {
        check_string(metadata, 0, 3000, "/view/private_metadata")?;
    }
    let blocks = view.get("blocks").unwrap_or(&Value::Null);
    check_blocks(blocks, MAX_VIEW_BLOCKS, "/view/blocks")?;
    let has_input = blocks
        .as_array()
        .is_some_and(|b| b.iter().any(|b| b["type"] == "input"));
    if has_input && view.get("submit").is_none() {
        return fail("must provide submit when there are input blocks", "/view");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn section(text: &str) -> Value {
        json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    }

    #[test]
    fn slacks_limits_are_enforced_with_a_pointer() {
        assert!(check_blocks(&json!([section("hi")]), 50, "/blocks").is_ok());
        let long = section(&"é".repeat(3001));
        assert_eq!(
            check_blocks(&json!([section("ok"), long]), 50, "/blocks").unwrap_err(),
            "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
        );
        assert!(check_blocks(&json!([section(&"é".repeat(3000))]), 50, "/blocks").is_ok());
        let many = Value::Array(vec![json!({"type": "divider"}); 51]);
        assert!(check_blocks(&many, 50, "/blocks")
            .unwrap_err()
            .starts_with("must be less than 51 items"));
        let header = json!([{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}]);
        assert!(check_blocks(&header, 50, "/blocks").is_err());
        let empty = json!([section("")]);
        assert!(check_blocks(&empty, 50, "/blocks").is_err());
        assert!(check_blocks(&json!([{"type": "carousel"}]), 50, "/blocks").is_err());
    }

    #[test]
    fn buttons_are_checked() {
        let button = |action_id: String, value: String| {
            json!([{"type": "actions", "elements": [{"type": "button", "action_id": action_id,
                    "value": value, "text": {"type": "plain_text", "text": "Approve"}}]}])
        };
        assert!(check_blocks(&button("a".repeat(255), "v".repeat(2000)), 50, "/blocks").is_ok());
        assert!(
            check_blocks(&button("a".repeat(256), "v".into()), 50, "/blocks")
                .unwrap_err()
                .contains("/blocks/0/elements/0/action_id")
        );
        assert!(
            check_blocks(&button("a".into(), "v".repeat(2001)), 50, "/blocks")
                .unwrap_err()
                .contains("/value")
        );
    }

    #[test]
    fn modals_need_a_short_title_and_submit_with_inputs() {
        let input = json!({"type": "input", "block_id": "draft_body",
            "label": {"type": "plain_text", "text": "Reply"},
            "element": {"type": "plain_text_input", "action_id": "body", "multiline": true}});
        let mut view = json!({"type": "modal", "callback_id": "edit_draft",
            "title": {"type": "plain_text", "text": "Edit reply"},
            "submit": {"type": "plain_text", "text": "Save"}, "blocks": [input]});
        assert!(check_view(&view).is_ok());
        view["title"]["text"] = json!("x".repeat(25));
        assert!(check_view(&view).unwrap_err().contains("/view/title/text"));
        view["title"]["text"] = json!("Edit");
        view.as_object_mut().unwrap().remove("submit");
        assert!(check_view(&view).is_err());
    }
}
