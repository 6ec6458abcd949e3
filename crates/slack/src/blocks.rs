//! Block Kit as serde types: the blocks, text objects and elements the platform sends,
//! in Slack's JSON shape (`{"type": "section", ...}`). Limits are in `limits.rs`.

use serde::{Deserialize, Serialize};

/// A text object: `{"type": "plain_text" | "mrkdwn", "text": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Text {
    /// `plain_text`: shown as is (buttons, headers, titles, labels need this one).
    #[serde(rename = "plain_text")]
    Plain {
        /// The text.
        text: String,
        /// Whether `:emoji:` codes are rendered.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        emoji: Option<bool>,
    },
    /// `mrkdwn`: Slack's markup (`*bold*`, `<url|label>`, `>quote`).
    #[serde(rename = "mrkdwn")]
    Mrkdwn {
        /// The text.
        text: String,
        /// `true` leaves URLs, mentions and channel names unlinked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        verbatim: Option<bool>,
    },
}

impl Text {
    /// A `plain_text` object.
    pub fn plain(text: impl Into<String>) -> Self {
        Text::Plain {
            text: text.into(),
            emoji: None,
        }
    }

    /// A `mrkdwn` object.
    pub fn mrkdwn(text: impl Into<String>) -> Self {
        Text::Mrkdwn {
            text: text.into(),
            verbatim: None,
        }
    }

    /// The text, whatever its kind.
    pub fn text(&self) -> &str {
        match self {
            Text::Plain { text, .. } | Text::Mrkdwn { text, .. } => text,
        }
    }

    pub(crate) fn text_mut(&mut self) -> &mut String {
        match self {
            Text::Plain { text, .. } | Text::Mrkdwn { text, .. } => text,
        }
    }
}

/// A layout block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Large bold plain text (≤150 characters).
    Header {
        /// Identifies the block in interaction payloads.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        block_id: Option<String>,
        /// `plain_text` only.
        text: Text,
    },
    /// Text (≤3000 characters), up to ten fields in two columns, and one accessory.
    Section {
        /// Identifies the block in interaction payloads.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        block_id: Option<String>,
        /// The main text; Slack wants it unless there are fields.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Text>,
        /// Short texts (≤2000 characters each) laid out in two columns.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        fields: Vec<Text>,
        /// An element shown at the right, e.g. a button.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accessory: Option<Element>,
    },
    /// Small grey text (≤10 elements).
    Context {
        /// Identifies the block in interaction payloads.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        block_id: Option<String>,
        /// Text elements.
        elements: Vec<Text>,
    },
    /// A row of interactive elements (≤25).
    Actions {
        /// Identifies the block in interaction payloads (`actions[].block_id`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        block_id: Option<String>,
        /// Buttons and other elements.
        elements: Vec<Element>,
    },
    /// A horizontal rule.
    Divider {
        /// Identifies the block.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        block_id: Option<String>,
    },
    /// A labelled input (modals); its value comes back in `view.state.values`.
    Input {
        /// Key of the value in `view.state.values` (set it: Slack's random ids change
        /// when the view is updated).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        block_id: Option<String>,
        /// `plain_text` label (≤2000 characters).
        label: Text,
        /// The input element.
        element: Element,
        /// Whether the form may be submitted without it.
        #[serde(default, skip_serializing_if = "is_false")]
        optional: bool,
        /// Help text under the input.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hint: Option<Text>,
    },
}

impl Block {
    /// A header.
    pub fn header(text: impl Into<String>) -> Self {
        Block::Header {
            block_id: None,
            text: Text::plain(text),
        }
    }

    /// A section of mrkdwn text.
    pub fn section(text: impl Into<String>) -> Self {
        Block::Section {
            block_id: None,
            text: Some(Text::mrkdwn(text)),
            fields: Vec::new(),
            accessory: None,
        }
    }

    /// A context line of mrkdwn text.
    pub fn context(text: impl Into<String>) -> Self {
        Block::Context {
            block_id: None,
            elements: vec![Text::mrkdwn(text)],
        }
    }

    /// A row of elements under `block_id`.
    pub fn actions(block_id: impl Into<String>, elements: Vec<Element>) -> Self {
        Block::Actions {
            block_id: Some(block_id.into()),
            elements,
        }
    }

    /// A multi-line or single-line text input under `block_id`.
    pub fn text_input(
        block_id: impl Into<String>,
        label: impl Into<String>,
        action_id: impl Into<String>,
        multiline: bool,
        initial_value: Option<String>,
    ) -> Self {
        Block::Input {
            block_id: Some(block_id.into()),
            label: Text::plain(label),
            element: Element::PlainTextInput {
                action_id: action_id.into(),
                multiline,
                initial_value,
                placeholder: None,
                max_length: None,
            },
            optional: false,
            hint: None,
        }
    }

    /// The block's `block_id`, when set.
    pub fn block_id(&self) -> Option<&str> {
        match self {
            Block::Header { block_id, .. }
            | Block::Section { block_id, .. }
            | Block::Context { block_id, .. }
            | Block::Actions { block_id, .. }
            | Block::Divider { block_id }
            | Block::Input { block_id, .. } => block_id.as_deref(),
        }
    }
}

/// A button's colour: green `primary` or red `danger` (omitted for the default grey).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ButtonStyle {
    /// Green: the expected choice.
    Primary,
    /// Red: destructive.
    Danger,
}

/// A confirmation dialog shown before a button's action is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirm {
    /// `plain_text`, ≤100 characters.
    pub title: Text,
    /// The question, ≤300 characters.
    pub text: Text,
    /// `plain_text` label of the confirming button, ≤30 characters.
    pub confirm: Text,
    /// `plain_text` label of the cancelling button, ≤30 characters.
    pub deny: Text,
    /// Colour of the confirming button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<ButtonStyle>,
}

/// An interactive element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Element {
    /// A button; a click sends a `block_actions` payload with its `action_id` and `value`.
    Button {
        /// Names the action in the payload (≤255 characters, unique in the message).
        action_id: String,
        /// `plain_text` label, ≤75 characters.
        text: Text,
        /// Sent back with the click (≤2000 characters), e.g. an approval id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// Colour; the default grey when `None`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        style: Option<ButtonStyle>,
        /// Opens this URL as well (≤3000 characters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        /// Asks before sending.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confirm: Option<Confirm>,
    },
    /// A text field (in an `input` block).
    PlainTextInput {
        /// Key of the value under its block in `view.state.values`.
        action_id: String,
        /// A text area rather than one line.
        #[serde(default, skip_serializing_if = "is_false")]
        multiline: bool,
        /// Pre-filled text (≤3000 characters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        initial_value: Option<String>,
        /// Grey hint while empty (`plain_text`, ≤150 characters).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        placeholder: Option<Text>,
        /// Longest value accepted (≤3000).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u32>,
    },
}

impl Element {
    /// A button sending `value` with `action_id`.
    pub fn button(
        action_id: impl Into<String>,
        text: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        Element::Button {
            action_id: action_id.into(),
            text: Text::plain(text),
            value: Some(value.into()),
            style: None,
            url: None,
            confirm: None,
        }
    }

    /// The same element with this style (buttons only; others are unchanged).
    pub fn styled(mut self, new_style: ButtonStyle) -> Self {
        if let Element::Button { style, .. } = &mut self {
            *style = Some(new_style);
        }
        self
    }

    /// The element's `action_id`.
    pub fn action_id(&self) -> &str {
        match self {
            Element::Button { action_id, .. } | Element::PlainTextInput { action_id, .. } => {
                action_id
            }
        }
    }
}

/// A surface opened with `views.open`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum View {
    /// A modal dialog.
    Modal {
        /// Names the form in the `view_submission` payload (≤255 characters).
        callback_id: String,
        /// `plain_text`, ≤24 characters.
        title: Text,
        /// `plain_text` label of the submit button (needed with input blocks), ≤24.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        submit: Option<Text>,
        /// `plain_text` label of the close button, ≤24.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        close: Option<Text>,
        /// Up to 100 blocks.
        blocks: Vec<Block>,
        /// Comes back verbatim with the submission (≤3000 characters): a modal has no
        /// `response_url`, so put the approval id and the message's channel and ts here.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        private_metadata: String,
    },
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn blocks_serialise_in_slacks_shape() {
        let blocks = vec![
            Block::header("Refund approval"),
            Block::section("*Refund* of $42.00"),
            Block::context("Front: cnv_1"),
            Block::Divider { block_id: None },
            Block::actions(
                "decision",
                vec![
                    Element::button("approve_refund", "Approve", "apr_1")
                        .styled(ButtonStyle::Primary),
                    Element::button("reject", "Reject", "apr_1").styled(ButtonStyle::Danger),
                ],
            ),
        ];
        assert_eq!(
            serde_json::to_value(&blocks).unwrap(),
            json!([
                {"type": "header", "text": {"type": "plain_text", "text": "Refund approval"}},
                {"type": "section", "text": {"type": "mrkdwn", "text": "*Refund* of $42.00"}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": "Front: cnv_1"}]},
                {"type": "divider"},
                {"type": "actions", "block_id": "decision", "elements": [
                    {"type": "button", "action_id": "approve_refund", "style": "primary",
                     "text": {"type": "plain_text", "text": "Approve"}, "value": "apr_1"},
                    {"type": "button", "action_id": "reject", "style": "danger",
                     "text": {"type": "plain_text", "text": "Reject"}, "value": "apr_1"}]}
            ])
        );
    }

    #[test]
    fn a_modal_with_an_input_round_trips() {
        let view = View::Modal {
            callback_id: "edit_draft".into(),
            title: Text::plain("Edit reply"),
            submit: Some(Text::plain("Save")),
            close: Some(Text::plain("Cancel")),
            blocks: vec![Block::text_input(
                "draft_body",
                "Reply",
                "body",
                true,
                Some("Hi Dana".into()),
            )],
            private_metadata: "apr_1".into(),
        };
        let value = serde_json::to_value(&view).unwrap();
        assert_eq!(
            value,
            json!({"type": "modal", "callback_id": "edit_draft",
                   "title": {"type": "plain_text", "text": "Edit reply"},
                   "submit": {"type": "plain_text", "text": "Save"},
                   "close": {"type": "plain_text", "text": "Cancel"},
                   "private_metadata": "apr_1",
                   "blocks": [{"type": "input", "block_id": "draft_body",
                               "label": {"type": "plain_text", "text": "Reply"},
                               "element": {"type": "plain_text_input", "action_id": "body",
                                           "multiline": true, "initial_value": "Hi Dana"}}]})
        );
        assert_eq!(serde_json::from_value::<View>(value).unwrap(), view);
    }

    #[test]
    fn the_reference_approval_message_decodes() {
        let blocks = json!([
          {"type":"section","block_id":"summary","text":{"type":"mrkdwn",
           "text":"*Refund request* from dana@example.com\nOrder #4411 · *$42.00* · reason: damaged item"}},
          {"type":"context","elements":[{"type":"mrkdwn","text":"Front: <https://app.frontapp.com/open/cnv_8x1b2c3|cnv_8x1b2c3> · confidence 0.91"}]},
          {"type":"actions","block_id":"decision","elements":[
            {"type":"button","action_id":"approve_refund","style":"primary","value":"apr_01HXYZ",
             "text":{"type":"plain_text","text":"Approve"},
             "confirm":{"title":{"type":"plain_text","text":"Issue refund?"},
                        "text":{"type":"mrkdwn","text":"Refund *$42.00* to Dana Lee?"},
                        "confirm":{"type":"plain_text","text":"Refund"},
                        "deny":{"type":"plain_text","text":"Cancel"},"style":"primary"}},
            {"type":"button","action_id":"edit_draft","value":"apr_01HXYZ","text":{"type":"plain_text","text":"Edit"}}]}
        ]);
        let decoded: Vec<Block> = serde_json::from_value(blocks.clone()).unwrap();
        assert_eq!(decoded[0].block_id(), Some("summary"));
        let Block::Actions { elements, .. } = &decoded[2] else {
            panic!("{:?}", decoded[2])
        };
        assert_eq!(elements[1].action_id(), "edit_draft");
        let Element::Button {
            confirm: Some(confirm),
            style,
            ..
        } = &elements[0]
        else {
            panic!("{:?}", elements[0])
        };
        assert_eq!(confirm.deny.text(), "Cancel");
        assert_eq!(*style, Some(ButtonStyle::Primary));
        assert_eq!(serde_json::to_value(&decoded).unwrap(), blocks);
    }
}
