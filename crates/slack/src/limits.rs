//! Slack's Block Kit limits, and fitting blocks and views inside them.
//!
//! Text that is too long is cut on a character boundary and ends with `…`, so a long
//! draft still shows; identifiers and structure (`action_id`, `block_id`, a button's
//! `value`, URLs, `private_metadata`, how many blocks or elements) are never cut, since
//! a cut id would point at nothing: breaking one of those is [`SlackError::InvalidBlocks`].
//! Lengths are counted in characters (Unicode scalar values).

use crate::blocks::{Block, Confirm, Element, Text, View};
use crate::SlackError;

/// Most blocks in a message.
pub const MAX_MESSAGE_BLOCKS: usize = 50;
/// Most blocks in a modal.
pub const MAX_VIEW_BLOCKS: usize = 100;
/// Longest section text.
pub const MAX_SECTION_TEXT: usize = 3000;
/// Longest section field.
pub const MAX_SECTION_FIELD: usize = 2000;
/// Most fields in a section.
pub const MAX_SECTION_FIELDS: usize = 10;
/// Longest header text.
pub const MAX_HEADER_TEXT: usize = 150;
/// Longest context element text.
pub const MAX_CONTEXT_TEXT: usize = 3000;
/// Most elements in a context block.
pub const MAX_CONTEXT_ELEMENTS: usize = 10;
/// Most elements in an actions block.
pub const MAX_ACTIONS_ELEMENTS: usize = 25;
/// Longest `action_id`.
pub const MAX_ACTION_ID: usize = 255;
/// Longest `block_id`.
pub const MAX_BLOCK_ID: usize = 255;
/// Longest button label.
pub const MAX_BUTTON_TEXT: usize = 75;
/// Longest button `value`.
pub const MAX_BUTTON_VALUE: usize = 2000;
/// Longest button `url`.
pub const MAX_URL: usize = 3000;
/// Longest input label or hint.
pub const MAX_INPUT_LABEL: usize = 2000;
/// Longest `plain_text_input` initial value (and `max_length`).
pub const MAX_INPUT_VALUE: usize = 3000;
/// Longest input placeholder.
pub const MAX_PLACEHOLDER: usize = 150;
/// Longest modal title, submit and close labels.
pub const MAX_VIEW_TITLE: usize = 24;
/// Longest `callback_id`.
pub const MAX_CALLBACK_ID: usize = 255;
/// Longest `private_metadata`.
pub const MAX_PRIVATE_METADATA: usize = 3000;
/// Longest top-level message `text` (Slack cuts beyond it).
pub const MAX_MESSAGE_TEXT: usize = 40_000;
/// Confirmation dialog: title, text, and the two button labels.
const CONFIRM_LIMITS: (usize, usize, usize, usize) = (100, 300, 30, 30);

/// Cuts `text` to at most `max` characters on a character boundary, ending in `…`
/// when it was cut. Returns whether it was.
pub fn truncate(text: &mut String, max: usize) -> bool {
    let Some((cut, _)) = text.char_indices().nth(max) else {
        return false;
    };
    // `cut` is where character `max` starts; one fewer leaves room for the ellipsis.
    let keep = text[..cut]
        .char_indices()
        .last()
        .map_or(0, |(index, _)| index);
    text.truncate(if max == 0 { 0 } else { keep });
    if max > 0 {
        text.push('…');
    }
    true
}

/// Fits a message's blocks into Slack's limits (see the module docs); returns how many
/// texts were cut.
pub fn fit_blocks(blocks: &mut [Block]) -> Result<usize, SlackError> {
    fit_all(blocks, MAX_MESSAGE_BLOCKS, "message")
}

/// Fits a modal (title, labels, metadata and blocks) into Slack's limits; returns how
/// many texts were cut.
pub fn fit_view(view: &mut View) -> Result<usize, SlackError> {
    let View::Modal {
        callback_id,
        title,
        submit,
        close,
        blocks,
        private_metadata,
    } = view;
    check_id("callback_id", callback_id, MAX_CALLBACK_ID)?;
    if private_metadata.chars().count() > MAX_PRIVATE_METADATA {
        return Err(too_long("private_metadata", MAX_PRIVATE_METADATA));
    }
    let mut cut = usize::from(fit_text(title, MAX_VIEW_TITLE));
    for label in [submit, close].into_iter().flatten() {
        cut += usize::from(fit_text(label, MAX_VIEW_TITLE));
    }
    Ok(cut + fit_all(blocks, MAX_VIEW_BLOCKS, "modal")?)
}

fn fit_all(blocks: &mut [Block], max: usize, surface: &str) -> Result<usize, SlackError> {
    if blocks.len() > max {
        return Err(SlackError::InvalidBlocks(format!(
            "a {surface} holds at most {max} blocks, got {}",
            blocks.len()
        )));
    }
    let mut cut = 0;
    for block in blocks.iter_mut() {
        cut += fit_block(block)?;
    }
    Ok(cut)
}

fn fit_block(block: &mut Block) -> Result<usize, SlackError> {
    if let Some(id) = block.block_id() {
        check_id("block_id", id, MAX_BLOCK_ID)?;
    }
    let mut cut = 0;
    match block {
        Block::Header { text, .. } => cut += usize::from(fit_text(text, MAX_HEADER_TEXT)),
        Block::Section {
            text,
            fields,
            accessory,
            ..
        } => {
            if fields.len() > MAX_SECTION_FIELDS {
                return Err(too_many("fields in a section", MAX_SECTION_FIELDS));
            }
            if let Some(text) = text {
                cut += usize::from(fit_text(text, MAX_SECTION_TEXT));
            }
            for field in fields {
                cut += usize::from(fit_text(field, MAX_SECTION_FIELD));
            }
            if let Some(element) = accessory {
                cut += fit_element(element)?;
            }
        }
        Block::Context { elements, .. } => {
            if elements.len() > MAX_CONTEXT_ELEMENTS {
                return Err(too_many(
                    "elements in a context block",
                    MAX_CONTEXT_ELEMENTS,
                ));
            }
            for text in elements {
                cut += usize::from(fit_text(text, MAX_CONTEXT_TEXT));
            }
        }
        Block::Actions { elements, .. } => {
            if elements.len() > MAX_ACTIONS_ELEMENTS {
                return Err(too_many(
                    "elements in an actions block",
                    MAX_ACTIONS_ELEMENTS,
                ));
            }
            for element in elements {
                cut += fit_element(element)?;
            }
        }
        Block::Divider { .. } => {}
        Block::Input {
            label,
            element,
            hint,
            ..
        } => {
            cut += usize::from(fit_text(label, MAX_INPUT_LABEL));
            if let Some(hint) = hint {
                cut += usize::from(fit_text(hint, MAX_INPUT_LABEL));
            }
            cut += fit_element(element)?;
        }
    }
    Ok(cut)
}

fn fit_element(element: &mut Element) -> Result<usize, SlackError> {
    check_id("action_id", element.action_id(), MAX_ACTION_ID)?;
    let mut cut = 0;
    match element {
        Element::Button {
            text,
            value,
            url,
            confirm,
            ..
        } => {
            if value
                .as_deref()
                .is_some_and(|v| v.chars().count() > MAX_BUTTON_VALUE)
            {
                return Err(too_long("a button value", MAX_BUTTON_VALUE));
            }
            if url.as_deref().is_some_and(|u| u.chars().count() > MAX_URL) {
                return Err(too_long("a button url", MAX_URL));
            }
            cut += usize::from(fit_text(text, MAX_BUTTON_TEXT));
            if let Some(confirm) = confirm {
                cut += fit_confirm(confirm);
            }
        }
        Element::PlainTextInput {
            initial_value,
            placeholder,
            max_length,
            ..
        } => {
            if let Some(value) = initial_value {
                cut += usize::from(truncate(value, MAX_INPUT_VALUE));
            }
            if let Some(placeholder) = placeholder {
                cut += usize::from(fit_text(placeholder, MAX_PLACEHOLDER));
            }
            if let Some(max) = max_length {
                *max = (*max).min(MAX_INPUT_VALUE as u32);
            }
        }
    }
    Ok(cut)
}

fn fit_confirm(confirm: &mut Confirm) -> usize {
    let (title, text, yes, no) = CONFIRM_LIMITS;
    [
        fit_text(&mut confirm.title, title),
        fit_text(&mut confirm.text, text),
        fit_text(&mut confirm.confirm, yes),
        fit_text(&mut confirm.deny, no),
    ]
    .into_iter()
    .filter(|cut| *cut)
    .count()
}

fn fit_text(text: &mut Text, max: usize) -> bool {
    truncate(text.text_mut(), max)
}

fn check_id(what: &str, id: &str, max: usize) -> Result<(), SlackError> {
    if id.chars().count() > max {
        return Err(too_long(what, max));
    }
    Ok(())
}

fn too_long(what: &str, max: usize) -> SlackError {
    SlackError::InvalidBlocks(format!("{what} is longer than {max} characters"))
}

fn too_many(what: &str, max: usize) -> SlackError {
    SlackError::InvalidBlocks(format!("more than {max} {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::ButtonStyle;

    #[test]
    fn truncation_keeps_whole_characters_and_marks_the_cut() {
        let mut text = "héllo wörld".to_owned();
        assert!(truncate(&mut text, 5));
        assert_eq!(text, "héll…");
        assert_eq!(text.chars().count(), 5);
        let mut emoji = "🙂🙂🙂🙂".to_owned();
        assert!(truncate(&mut emoji, 3));
        assert_eq!(emoji, "🙂🙂…");
        let mut short = "fits".to_owned();
        assert!(!truncate(&mut short, 4));
        assert_eq!(short, "fits");
        let mut none = "x".to_owned();
        assert!(truncate(&mut none, 0));
        assert_eq!(none, "");
    }

    #[test]
    fn long_texts_are_cut_to_their_limits() {
        let long = "é".repeat(5000);
        let mut blocks = vec![
            Block::header(long.clone()),
            Block::section(long.clone()),
            Block::context(long.clone()),
            Block::actions(
                "decision",
                vec![Element::button("approve", long.clone(), "apr_1").styled(ButtonStyle::Primary)],
            ),
        ];
        assert_eq!(fit_blocks(&mut blocks).unwrap(), 4);
        let lengths: Vec<usize> = blocks
            .iter()
            .map(|block| match block {
                Block::Header { text, .. } => text.text().chars().count(),
                Block::Section { text: Some(t), .. } => t.text().chars().count(),
                Block::Context { elements, .. } => elements[0].text().chars().count(),
                Block::Actions { elements, .. } => match &elements[0] {
                    Element::Button { text, .. } => text.text().chars().count(),
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            lengths,
            [
                MAX_HEADER_TEXT,
                MAX_SECTION_TEXT,
                MAX_CONTEXT_TEXT,
                MAX_BUTTON_TEXT
            ]
        );
        // Fitting again changes nothing.
        assert_eq!(fit_blocks(&mut blocks).unwrap(), 0);
    }

    #[test]
    fn identifiers_and_counts_are_refused_not_cut() {
        let mut many = vec![Block::Divider { block_id: None }; MAX_MESSAGE_BLOCKS + 1];
        let error = fit_blocks(&mut many).unwrap_err();
        assert!(error.to_string().contains("at most 50 blocks"), "{error}");
        let mut fifty = vec![Block::Divider { block_id: None }; MAX_MESSAGE_BLOCKS];
        assert_eq!(fit_blocks(&mut fifty).unwrap(), 0);

        let mut id = vec![Block::actions(
            "decision",
            vec![Element::button("a".repeat(256), "Approve", "apr_1")],
        )];
        assert!(
            matches!(fit_blocks(&mut id), Err(SlackError::InvalidBlocks(m)) if m.contains("action_id"))
        );
        let mut value = vec![Block::actions(
            "decision",
            vec![Element::button("approve", "Approve", "v".repeat(2001))],
        )];
        assert!(
            matches!(fit_blocks(&mut value), Err(SlackError::InvalidBlocks(m)) if m.contains("value"))
        );
        let mut ok_value = vec![Block::actions(
            "decision",
            vec![Element::button("approve", "Approve", "v".repeat(2000))],
        )];
        assert!(fit_blocks(&mut ok_value).is_ok());
    }

    #[test]
    fn views_cut_titles_and_refuse_oversized_metadata() {
        let mut view = View::Modal {
            callback_id: "edit_draft".into(),
            title: Text::plain("Edit the reply to this customer"),
            submit: Some(Text::plain("Save")),
            close: None,
            blocks: vec![Block::text_input(
                "draft_body",
                "Reply",
                "body",
                true,
                Some("x".repeat(4000)),
            )],
            private_metadata: "apr_1".into(),
        };
        assert_eq!(fit_view(&mut view).unwrap(), 2);
        let View::Modal { title, blocks, .. } = &view;
        assert_eq!(title.text().chars().count(), MAX_VIEW_TITLE);
        let Block::Input {
            element:
                Element::PlainTextInput {
                    initial_value: Some(v),
                    ..
                },
            ..
        } = &blocks[0]
        else {
            panic!("{blocks:?}")
        };
        assert_eq!(v.chars().count(), MAX_INPUT_VALUE);

        let View::Modal {
            private_metadata, ..
        } = &mut view;
        *private_metadata = "m".repeat(3001);
        assert!(fit_view(&mut view).is_err());
    }
}
