//! The default script: a deterministic, keyword-driven support agent, so that a person
//! running the platform locally sees a plausible run without a model.
//!
//! - A forced tool (`tool_choice: {type: "tool"}`, structured output) is answered from its
//!   input schema: a `category` enum gets a keyword-based choice, `confidence` and
//!   `reasoning` get matching values, other required fields a neutral value.
//! - Otherwise it acts as an agent: `lookupUser` with the customer's email first, then
//!   `processRefund` (with the first active purchase the tool results show) for a refund
//!   or `generateMagicLink` for an access problem, then a short reply (which carries the
//!   link the tool answered, or the platform's placeholder for it). Only offered tools are
//!   called (names compared case-insensitively), each at most once, at most 4 tool turns.
//!
//! Keywords are read from the user turns only (not the system prompt, not tool results).

use serde_json::{json, Map, Value};

use super::keywords::{find_app_id, find_email, find_purchase_id, Intent};
use super::wire::Block;

/// At most this many assistant turns with tool uses, then a reply.
const MAX_TOOL_TURNS: usize = 4;

/// What the conversation so far says.
struct Conversation<'a> {
    tools: Vec<(&'a str, &'a Value)>,
    /// The user turns' own text, lowercased, apostrophes straightened.
    customer: String,
    email: Option<String>,
    app_id: Option<String>,
    /// Tool uses so far: (id, lowercased name).
    called: Vec<(&'a str, String)>,
    /// Tool results so far: (tool_use_id, text, is_error).
    results: Vec<(&'a str, String, bool)>,
    tool_turns: usize,
    /// The passage of the prompt's "## Relevant knowledge" section that shares the most
    /// words with the customer's message, as written.
    knowledge: Option<String>,
}

impl<'a> Conversation<'a> {
    fn read(request: &'a Value) -> Self {
        let tools = array(request.get("tools"))
            .iter()
            .filter_map(|t| Some((t.get("name")?.as_str()?, t.get("input_schema")?)))
            .collect();
        let mut conversation = Conversation {
            tools,
            customer: String::new(),
            email: None,
            app_id: None,
            called: Vec::new(),
            results: Vec::new(),
            tool_turns: 0,
            knowledge: None,
        };
        let mut own_text = String::new();
        for message in array(request.get("messages")) {
            let assistant = message.get("role").and_then(Value::as_str) == Some("assistant");
            let blocks = match message.get("content") {
                Some(Value::String(text)) => vec![json!({"type": "text", "text": text})],
                Some(Value::Array(blocks)) => blocks.clone(),
                _ => Vec::new(),
            };
            let mut used_tool = false;
            for block in message
                .get("content")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match block.get("type").and_then(Value::as_str) {
                    Some("tool_use") if assistant => {
                        used_tool = true;
                        let id = block.get("id").and_then(Value::as_str).unwrap_or("");
                        let name = block.get("name").and_then(Value::as_str).unwrap_or("");
                        conversation.called.push((id, name.to_lowercase()));
                    }
                    Some("tool_result") => {
                        let id = block
                            .get("tool_use_id")
                            .and_then(Value::as_str)
                            .unwrap_or("");
                        let error = block.get("is_error").and_then(Value::as_bool) == Some(true);
                        let mut text = String::new();
                        result_text(block.get("content").unwrap_or(&Value::Null), &mut text);
                        conversation.results.push((id, text, error));
                    }
                    _ => {}
                }
            }
            conversation.tool_turns += used_tool as usize;
            if !assistant {
                for block in &blocks {
                    if block.get("type").and_then(Value::as_str) == Some("text") {
                        own_text.push_str(block.get("text").and_then(Value::as_str).unwrap_or(""));
                        own_text.push('\n');
                    }
                }
            }
        }
        let system = match request.get("system") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(blocks)) => blocks
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
            _ => String::new(),
        };
        conversation.email = find_email(&own_text);
        conversation.app_id = find_app_id(&own_text).or_else(|| find_app_id(&system));
        // When the prompt marks where the customer's own words start (a "## The
        // customer's message" heading, as the platform's context turn does), read the
        // intent from them only: account data above it ("status": "refunded") is not
        // what the customer asked for.
        let lower = own_text
            .to_lowercase()
            .replace(['\u{2019}', '\u{2018}'], "'");
        conversation.customer = match lower.rfind("## the customer's message") {
            Some(at) => lower[at..].to_owned(),
            None => lower,
        };
        conversation.knowledge = best_passage(&own_text, &conversation.customer);
        conversation
    }

    /// The offered tool of this name, in any case.
    fn tool(&self, name: &str) -> Option<(&'a str, &'a Value)> {
        self.tools
            .iter()
            .copied()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn was_called(&self, name: &str) -> bool {
        self.called
            .iter()
            .any(|(_, n)| n.eq_ignore_ascii_case(name))
    }

    /// The result of the first call of this tool.
    fn result_of(&self, name: &str) -> Option<&(&'a str, String, bool)> {
        let (id, _) = self
            .called
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))?;
        self.results.iter().find(|(rid, ..)| rid == id)
    }

    /// A value we know for a property of a tool's input.
    fn value_for(&self, property: &str, schema: &Value, intent: Intent) -> Option<Value> {
        let key = property.to_ascii_lowercase();
        if let (Some(options), true) = (
            schema.get("enum").and_then(Value::as_array),
            key.contains("category"),
        ) {
            return Some(choose(options, intent));
        }
        match key.as_str() {
            "confidence" => Some(json!(if intent == Intent::Other { 0.4 } else { 0.9 })),
            "reasoning" | "reason" => Some(json!(match intent {
                Intent::Refund => "Customer asked for a refund.",
                _ => intent.category().1,
            })),
            "appid" | "app_id" => self.app_id.clone().map(Value::from),
            "purchaseid" | "purchase_id" => self.purchase_id().map(Value::from),
            k if k.contains("email") => self.email.clone().map(Value::from),
            _ => None,
        }
    }

    /// An input for `schema`: known values for any property, neutral ones for required
    /// properties we know nothing about.
    fn input(&self, schema: &Value, intent: Intent) -> Value {
        let required: Vec<&str> = array(schema.get("required"))
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let mut input = Map::new();
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(value) = self.value_for(name, property, intent) {
                input.insert(name.clone(), value);
            } else if required.contains(&name.as_str()) {
                input.insert(name.clone(), neutral(property));
            }
        }
        Value::Object(input)
    }

    /// The first purchase id the tool results show.
    fn purchase_id(&self) -> Option<String> {
        self.results.iter().find_map(|(_, text, _)| {
            let value: Value = serde_json::from_str(text).ok()?;
            find_purchase_id(&value)
        })
    }

    /// The login link `generateMagicLink` answered (`link` or `url`).
    fn link(&self) -> Option<String> {
        let (_, text, _) = self.result_of("generateMagicLink")?;
        let value: Value = serde_json::from_str(text).ok()?;
        ["link", "url"]
            .iter()
            .find_map(|k| value.get(*k)?.as_str())
            .map(str::to_owned)
    }

    /// What the knowledge says for the question: the prompt's first passage, else the
    /// first result of a `searchKnowledge` call.
    fn knowledge_answer(&self) -> Option<String> {
        if let Some(passage) = &self.knowledge {
            return Some(passage.clone());
        }
        let (_, text, _) = self.result_of("searchKnowledge")?;
        let value: Value = serde_json::from_str(text).ok()?;
        value
            .pointer("/results/0/text")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn customer_first_name(&self) -> Option<String> {
        let (_, text, _) = self.result_of("lookupUser")?;
        let value: Value = serde_json::from_str(text).ok()?;
        let name = value
            .pointer("/user/name")
            .or_else(|| value.get("name"))?
            .as_str()?;
        name.split_whitespace().next().map(str::to_owned)
    }
}

/// The default answer to a request that nothing was scripted for.
pub(super) fn respond(request: &Value) -> Vec<Block> {
    let conversation = Conversation::read(request);
    let intent = Intent::of(&conversation.customer);
    let choice = request.get("tool_choice");
    match choice.and_then(|c| c.get("type")).and_then(Value::as_str) {
        Some("tool") => {
            let forced = choice
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            match conversation.tool(forced) {
                Some((name, schema)) => vec![tool_use(name, conversation.input(schema, intent))],
                None => vec![Block::Text(reply(&conversation, intent))],
            }
        }
        Some("none") => vec![Block::Text(reply(&conversation, intent))],
        Some("any") => match next_tool(&conversation, intent).or_else(|| {
            let (name, schema) = conversation.tools.first()?;
            Some(tool_use(name, conversation.input(schema, intent)))
        }) {
            Some(call) => vec![call],
            None => vec![Block::Text(reply(&conversation, intent))],
        },
        _ => match next_tool(&conversation, intent) {
            Some(call) => vec![call],
            None => vec![Block::Text(reply(&conversation, intent))],
        },
    }
}

fn tool_use(name: &str, input: Value) -> Block {
    Block::ToolUse {
        name: name.to_owned(),
        input,
    }
}

/// The agent's next tool call, if it has one to make.
fn next_tool(c: &Conversation<'_>, intent: Intent) -> Option<Block> {
    if c.tool_turns >= MAX_TOOL_TURNS || c.results.iter().any(|(_, _, error)| *error) {
        return None;
    }
    let call = |name: &str| -> Option<Block> {
        let (name, schema) = c.tool(name).filter(|_| !c.was_called(name))?;
        Some(tool_use(name, c.input(schema, intent)))
    };
    if c.results.is_empty() && c.email.is_some() {
        if let Some(lookup) = call("lookupUser") {
            return Some(lookup);
        }
    }
    match intent {
        Intent::Refund if c.purchase_id().is_some() => call("processRefund"),
        Intent::Access if c.email.is_some() => call("generateMagicLink"),
        Intent::Question if c.knowledge.is_none() => call("searchKnowledge"),
        _ => None,
    }
}

/// The passages under the prompt's `## Relevant knowledge` heading (each `[n] citation
/// (url)` then its text), and of them the one sharing the most words of four letters
/// or more with the customer's message (the first among equals): how a reader picks
/// the passage that answers the question rather than the first one listed.
fn best_passage(prompt: &str, customer: &str) -> Option<String> {
    let start = prompt.find("## Relevant knowledge\n")? + "## Relevant knowledge\n".len();
    let section = &prompt[start..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut passages = Vec::new();
    for (n, entry) in section.split("\n\n[").enumerate() {
        let entry = if n == 0 {
            entry.strip_prefix('[').unwrap_or(entry)
        } else {
            entry
        };
        let Some((head, text)) = entry.split_once('\n') else {
            continue;
        };
        if head.split_once("] ").is_some() && !text.trim().is_empty() {
            passages.push((head.to_lowercase(), text.trim().to_owned()));
        }
    }
    let words: std::collections::BTreeSet<&str> = customer
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= 4)
        .collect();
    let overlap = |(head, text): &(String, String)| {
        let hay = format!("{head} {}", text.to_lowercase());
        words.iter().filter(|w| hay.contains(**w)).count()
    };
    let best = passages
        .iter()
        .enumerate()
        .max_by_key(|(i, p)| (overlap(p), std::cmp::Reverse(*i)))?;
    Some(best.1 .1.clone())
}

/// The first two sentences of a passage (of an FAQ entry's answer), without Markdown
/// emphasis or list marks.
fn quote(passage: &str) -> String {
    let passage = match passage.split_once("\nA: ") {
        Some((question, answer)) if question.starts_with("Q: ") => answer,
        _ => passage,
    };
    let plain: String = passage
        .lines()
        .map(|l| l.trim().trim_start_matches(['-', '*', '#', '>']).trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace("**", "")
        .replace('`', "");
    let mut out = String::new();
    for (i, sentence) in plain.split_inclusive(". ").enumerate() {
        if i == 2 {
            break;
        }
        out.push_str(sentence);
    }
    out.trim().to_owned()
}

/// The closing reply, in the voice of a support person.
fn reply(c: &Conversation<'_>, intent: Intent) -> String {
    let ok = |tool: &str| c.result_of(tool).is_some_and(|(_, _, error)| !error);
    let body = if c.results.iter().any(|(_, _, error)| *error) {
        "Thanks for writing in. Let me look into this properly and get back to you shortly."
            .to_owned()
    } else {
        match intent {
            // No durations or amounts: the platform's grounding check would want a source.
            Intent::Refund if ok("processRefund") => "I've started the refund for your purchase. You'll get a confirmation email once it goes through.".to_owned(),
            Intent::Refund => "Sorry it wasn't the right fit. I couldn't find a purchase under this email address. Could you reply with the email you used at checkout?".to_owned(),
            // The link as the tool gave it: a URL, or the platform's placeholder for one.
            Intent::Access if ok("generateMagicLink") => match c.link() {
                Some(link) => format!(
                    "Sorry about the trouble getting in. Here is a fresh login link for {}: {link}\n\nIt works once. Let me know if it gives you any trouble.",
                    c.email.as_deref().unwrap_or("your account")
                ),
                None => format!(
                    "Sorry about the trouble getting in. I've sent a fresh login link to {}, so check your inbox and spam folder in a minute. Let me know if it doesn't show up.",
                    c.email.as_deref().unwrap_or("your email address")
                ),
            },
            Intent::Access => "Sorry about the trouble getting in. Could you reply with the email address you bought with? I'll send you a fresh login link.".to_owned(),
            Intent::Transfer => "I can move that for you. Could you confirm the email address the purchase should go to?".to_owned(),
            Intent::Question => match c.knowledge_answer() {
                Some(passage) => quote(&passage),
                None => "Let me check the details and get back to you shortly.".to_owned(),
            },
            Intent::Billing => "You can download invoices from your account page, and I can send one over if you tell me the company details to put on it.".to_owned(),
            Intent::FanMail => "Thanks so much for the kind words, they really mean a lot. I'll pass them along to the team.".to_owned(),
            Intent::Spam => "Thanks for the note. We're not taking on partnerships right now.".to_owned(),
            Intent::Other => "Thanks for getting in touch. I'm looking into this and will get back to you shortly.".to_owned(),
        }
    };
    match c.customer_first_name() {
        Some(name) => format!("Hi {name},\n\n{body}"),
        None => body,
    }
}

/// A category from the offered ones: the keyword choice, else `unknown`, else the first.
fn choose(options: &[Value], intent: Intent) -> Value {
    let offered = |name: &str| options.iter().find(|o| o.as_str() == Some(name)).cloned();
    offered(intent.category().0)
        .or_else(|| offered("unknown"))
        .or_else(|| options.first().cloned())
        .unwrap_or(Value::Null)
}

/// A neutral value of a schema's type.
fn neutral(schema: &Value) -> Value {
    if let Some(first) = array(schema.get("enum")).first() {
        return first.clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => json!(""),
        Some("number" | "integer") => json!(0),
        Some("boolean") => json!(false),
        Some("array") => json!([]),
        Some("object") => {
            let required: Vec<&str> = array(schema.get("required"))
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let mut out = Map::new();
            for (name, property) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                if required.contains(&name.as_str()) {
                    out.insert(name.clone(), neutral(property));
                }
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

fn array(value: Option<&Value>) -> &[Value] {
    value
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn result_text(content: &Value, out: &mut String) {
    match content {
        Value::String(text) => out.push_str(text),
        Value::Array(blocks) => {
            for block in blocks {
                if let Some(text) = block.get("text").and_then(Value::as_str) {
                    out.push_str(text);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool_turn(i: usize) -> [Value; 2] {
        let id = format!("toolu_{i}");
        [
            json!({"role": "assistant", "content": [{"type": "tool_use", "id": id, "name": "searchKnowledge", "input": {}}]}),
            json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": id, "content": "{\"purchases\": [{\"id\": \"pur_1\"}]}"}]}),
        ]
    }

    #[test]
    fn a_question_is_answered_from_the_passage_that_matches_it_best() {
        let prompt = "## App\nTT\n\n## Relevant knowledge\n[1] Course FAQ § Discord (https://x.example/faq)\n\
            Students can join the Discord.\n\n\
            [2] Course FAQ § Discounts (https://x.example/faq)\n\
            Students get **50% off** with STUDENT50. It applies at checkout. Discounts don't stack.\n\n\
            [3] Refund policy\nOther text.\n\n## The customer's message\nSubject: Student discount?\n\nDo you have a student discount?\n";
        let request = json!({"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": prompt}],
            "tools": [{"name": "searchKnowledge", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}}}]});
        let blocks = respond(&request);
        let [Block::Text(text)] = &blocks[..] else {
            panic!("the prompt had knowledge, so a reply: {blocks:?}");
        };
        assert!(
            text.contains("Students get 50% off with STUDENT50. It applies at checkout."),
            "{text}"
        );
        assert!(!text.contains("stack"), "two sentences at most: {text}");
    }

    #[test]
    fn a_question_without_knowledge_in_the_prompt_searches_first() {
        let prompt = "## The customer's message\nSubject: Price\n\nHow much is the course?\n";
        let request = json!({"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": prompt}],
            "tools": [{"name": "searchKnowledge", "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}}]});
        assert!(
            matches!(&respond(&request)[..], [Block::ToolUse { name, .. }] if name == "searchKnowledge")
        );
    }

    #[test]
    fn four_tool_turns_at_most_then_a_reply() {
        let tools = json!([{"name": "processrefund", "input_schema": {"type": "object"}}]);
        let mut messages =
            vec![json!({"role": "user", "content": "refund please, ana@example.com"})];
        messages.extend(tool_turn(1));
        let request = json!({"tools": tools, "messages": messages});
        assert!(
            matches!(&respond(&request)[..], [Block::ToolUse { name, .. }] if name == "processrefund"),
            "offered names are matched in any case and used as offered"
        );
        messages.extend((2..=4).flat_map(tool_turn));
        let request = json!({"tools": tools, "messages": messages});
        assert!(matches!(&respond(&request)[..], [Block::Text(_)]));
    }

    #[test]
    fn tool_choice_none_answers_in_text() {
        let request = json!({
            "tools": [{"name": "lookupUser", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "none"},
            "messages": [{"role": "user", "content": "ana@example.com cannot log in"}]
        });
        assert!(
            matches!(&respond(&request)[..], [Block::Text(text)] if text.contains("login link"))
        );
    }
}
