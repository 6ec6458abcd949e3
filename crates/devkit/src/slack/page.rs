//! `GET /slack`: the channels and their messages rendered readably, with buttons that
//! click through `/_devkit/slack/click` and forms for open modals that submit through
//! `/_devkit/slack/submit`. Plain HTML; a few lines of inline script send the clicks.

use std::fmt::Write;

use axum::extract::State;
use axum::response::Html;
use serde_json::Value;

use super::SlackStandIn;

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f8f8f8;color:#1d1c1d}
header{background:#3f0e40;color:#fff;padding:10px 20px;display:flex;gap:16px;align-items:center}
main{display:flex;gap:20px;padding:20px;flex-wrap:wrap}section{flex:1 1 420px}
article{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 14px;margin:10px 0}
.meta,.context{color:#616061;font-size:12px}.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px}
h3{margin:4px 0}blockquote{border-left:4px solid #ddd;margin:4px 0;padding-left:8px}
button{border:1px solid #bbb;border-radius:4px;background:#fff;padding:4px 12px;margin:4px 6px 0 0;cursor:pointer}
button.primary{background:#007a5a;color:#fff;border-color:#007a5a}button.danger{background:#e01e5a;color:#fff;border-color:#e01e5a}
.replies{margin-left:24px;border-left:2px solid #e0e0e0;padding-left:10px}.ephemeral{background:#fffbe6}
form.modal{background:#fff;border:2px solid #3f0e40;border-radius:8px;padding:12px;margin:10px 0}
textarea,input[type=text]{width:100%;box-sizing:border-box}pre#result{white-space:pre-wrap;background:#222;color:#ddd;padding:8px;max-height:240px;overflow:auto}
.error{color:#e01e5a}";

const SCRIPT: &str = "const who=document.getElementById('user');
const saved=localStorage.getItem('slack-user');if([...who.options].some(o=>o.value===saved))who.value=saved;
who.onchange=()=>localStorage.setItem('slack-user',who.value);
async function send(path,body){const out=document.getElementById('result');out.textContent='sending…';
const r=await fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)});
const t=await r.text();let shown=t;try{const j=JSON.parse(t);delete j.payload;shown=JSON.stringify(j,null,2)}catch(e){}
out.textContent='HTTP '+r.status+'\\n'+shown;setTimeout(()=>location.reload(),1500)}
document.addEventListener('click',e=>{const b=e.target.closest('button[data-action]');if(!b)return;
send('/_devkit/slack/click',{channel:b.dataset.channel,ts:b.dataset.ts,action_id:b.dataset.action,user:who.value})});
document.addEventListener('submit',e=>{const f=e.target.closest('form.modal');if(!f)return;e.preventDefault();
const values={};for(const el of f.querySelectorAll('[data-block]')){(values[el.dataset.block]??={})[el.dataset.input]=el.value}
send('/_devkit/slack/submit',{view_id:f.dataset.view,user:f.dataset.user,values})});";

/// `GET /slack`.
pub(super) async fn page(State(slack): State<SlackStandIn>) -> Html<String> {
    Html(render(&slack.state()))
}

fn render(state: &Value) -> String {
    let mut html = String::from(
        "<!doctype html><html><head><meta charset=utf-8><title>Slack (devkit)</title>",
    );
    let _ = write!(
        html,
        "<style>{STYLE}</style></head><body><header><b>Slack stand-in</b>"
    );
    html.push_str("<label>act as <select id=user>");
    for user in list(&state["users"]) {
        let _ = write!(
            html,
            "<option value=\"{id}\">{name} ({id}) — {note}</option>",
            id = esc(&user["id"]),
            name = esc(&user["real_name"]),
            note = esc(&user["note"]),
        );
    }
    html.push_str(
        "</select></label><a style=color:#fff href=/_devkit/slack/state>state</a></header><main>",
    );
    for channel in list(&state["channels"]) {
        let id = str_of(&channel["id"]);
        let _ = write!(
            html,
            "<section><h2>#{} <span class=meta>{}</span></h2>",
            esc(&channel["name"]),
            esc(&channel["id"])
        );
        let messages = list(&channel["messages"]);
        if messages.is_empty() {
            html.push_str("<p class=meta>No messages yet.</p>");
        }
        for message in messages {
            message_html(&mut html, id, message, false);
        }
        for ephemeral in list(&state["ephemerals"])
            .iter()
            .filter(|e| e["channel"] == channel["id"])
        {
            let _ = write!(
                html,
                "<article class=ephemeral><div class=meta>only visible to {} · {}</div>{}</article>",
                esc(&ephemeral["user"]),
                esc(&ephemeral["message_ts"]),
                mrkdwn(str_of(&ephemeral["text"])),
            );
        }
        html.push_str("</section>");
    }
    html.push_str("<section><h2>Modals</h2>");
    let open: Vec<&Value> = list(&state["views"])
        .iter()
        .filter(|v| v["open"] == true)
        .collect();
    if open.is_empty() {
        html.push_str(
            "<p class=meta>No modal open. An Edit button opens one through views.open.</p>",
        );
    }
    for view in open {
        modal_html(&mut html, view);
    }
    html.push_str("<h2>Last answer</h2><pre id=result>click a button</pre></section></main>");
    let _ = write!(html, "<script>{SCRIPT}</script></body></html>");
    html
}

fn message_html(html: &mut String, channel: &str, message: &Value, reply: bool) {
    let ts = str_of(&message["ts"]);
    let edited = if message.get("edited").is_some() {
        " · edited"
    } else {
        ""
    };
    let _ = write!(
        html,
        "<article><div class=meta>{} · {}{edited}</div>",
        esc(&message["user"]),
        esc(&message["ts"])
    );
    let blocks = list(&message["blocks"]);
    if blocks.is_empty() {
        html.push_str(&mrkdwn(str_of(&message["text"])));
    }
    for block in blocks {
        block_html(html, channel, ts, block);
    }
    let replies = list(&message["replies"]);
    if !reply && !replies.is_empty() {
        html.push_str("<div class=replies>");
        for r in replies {
            message_html(html, channel, r, true);
        }
        html.push_str("</div>");
    }
    html.push_str("</article>");
}

fn block_html(html: &mut String, channel: &str, ts: &str, block: &Value) {
    match str_of(&block["type"]) {
        "header" => {
            let _ = write!(html, "<h3>{}</h3>", esc(&block["text"]["text"]));
        }
        "section" => {
            let _ = write!(html, "<div>{}</div>", text_html(&block["text"]));
            let fields = list(&block["fields"]);
            if !fields.is_empty() {
                html.push_str("<div class=fields>");
                for field in fields {
                    let _ = write!(html, "<div>{}</div>", mrkdwn(str_of(&field["text"])));
                }
                html.push_str("</div>");
            }
            if let Some(accessory) = block.get("accessory") {
                element_html(html, channel, ts, accessory);
            }
        }
        "context" => {
            let texts: Vec<String> = list(&block["elements"])
                .iter()
                .map(|e| mrkdwn(str_of(&e["text"])))
                .collect();
            let _ = write!(html, "<div class=context>{}</div>", texts.join(" · "));
        }
        "actions" => {
            html.push_str("<div>");
            for element in list(&block["elements"]) {
                element_html(html, channel, ts, element);
            }
            html.push_str("</div>");
        }
        "divider" => html.push_str("<hr>"),
        _ => {
            let _ = write!(
                html,
                "<pre class=meta>{}</pre>",
                esc_str(&block.to_string())
            );
        }
    }
}

fn element_html(html: &mut String, channel: &str, ts: &str, element: &Value) {
    if element["type"] != "button" {
        return;
    }
    let _ = write!(
        html,
        "<button class=\"{style}\" data-channel=\"{channel}\" data-ts=\"{ts}\" data-action=\"{action}\" title=\"value: {value}\">{text}</button>",
        style = esc(&element["style"]),
        channel = esc_str(channel),
        ts = esc_str(ts),
        action = esc(&element["action_id"]),
        value = esc(&element["value"]),
        text = esc(&element["text"]["text"]),
    );
}

fn modal_html(html: &mut String, open: &Value) {
    let view = &open["view"];
    let _ = write!(
        html,
        "<form class=modal data-view=\"{}\" data-user=\"{}\"><h3>{}</h3><div class=meta>{} · {} · for {}</div>",
        esc(&open["id"]),
        esc(&open["user"]),
        esc(&view["title"]["text"]),
        esc(&open["id"]),
        esc(&view["callback_id"]),
        esc(&open["user"]),
    );
    for block in list(&view["blocks"]) {
        if block["type"] != "input" {
            block_html(html, "", "", block);
            continue;
        }
        let element = &block["element"];
        let (block_id, action_id) = (esc(&block["block_id"]), esc(&element["action_id"]));
        let _ = write!(
            html,
            "<p><label><b>{}</b><br>",
            esc(&block["label"]["text"])
        );
        let initial = esc(&element["initial_value"]);
        if element["multiline"] == true {
            let _ = write!(html, "<textarea rows=6 data-block=\"{block_id}\" data-input=\"{action_id}\">{initial}</textarea>");
        } else {
            let _ = write!(html, "<input type=text data-block=\"{block_id}\" data-input=\"{action_id}\" value=\"{initial}\">");
        }
        if let Some(error) = open["errors"].get(str_of(&block["block_id"])) {
            let _ = write!(html, "<br><span class=error>{}</span>", esc(error));
        }
        html.push_str("</label></p>");
    }
    let submit = view["submit"]["text"].as_str().unwrap_or("Submit");
    let _ = write!(
        html,
        "<button type=submit class=primary>{}</button></form>",
        esc_str(submit)
    );
}

/// A text object as Slack shows it: `plain_text` literally (line breaks kept), `mrkdwn`
/// rendered.
fn text_html(text: &Value) -> String {
    match str_of(&text["type"]) {
        "plain_text" => esc_str(str_of(&text["text"])).replace('\n', "<br>"),
        _ => mrkdwn(str_of(&text["text"])),
    }
}

/// Slack's mrkdwn, readably: `<url|label>` links, `<@U…>` mentions, `*bold*`, `_italic_`,
/// `>` quotes, line breaks; everything else escaped.
fn mrkdwn(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        let (quote, line) = match line.strip_prefix('>').or_else(|| line.strip_prefix("&gt;")) {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        if quote {
            out.push_str("<blockquote>");
        }
        out.push_str(&inline(line));
        if quote {
            out.push_str("</blockquote>");
        }
    }
    out
}

fn inline(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('<') {
        out.push_str(&emphasis(&esc_str(&unslack(&rest[..start]))));
        let Some(end) = rest[start..].find('>') else {
            rest = &rest[start..];
            break;
        };
        let inner = &rest[start + 1..start + end];
        let (target, label) = inner.split_once('|').unwrap_or((inner, inner));
        if target.starts_with("http://") || target.starts_with("https://") {
            let _ = write!(
                out,
                "<a href=\"{}\">{}</a>",
                esc_str(target),
                esc_str(label)
            );
        } else {
            let _ = write!(
                out,
                "<b>{}</b>",
                esc_str(label.trim_start_matches(['@', '#', '!']))
            );
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(&emphasis(&esc_str(&unslack(rest))));
    out
}

/// Slack's own escapes (`&amp;`, `&lt;`, `&gt;`) back to characters, escaped again after.
fn unslack(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// `*bold*` and `_italic_` in already escaped text, when the markers pair up.
fn emphasis(text: &str) -> String {
    let mut out = text.to_owned();
    for (marker, tag) in [('*', "b"), ('_', "i")] {
        if out.matches(marker).count() >= 2 && out.matches(marker).count() % 2 == 0 {
            let mut open = false;
            out = out
                .split(marker)
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        return part.to_owned();
                    }
                    open = !open;
                    format!("<{}{tag}>{part}", if open { "" } else { "/" })
                })
                .collect();
        }
    }
    out
}

fn list(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn esc(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => esc_str(s),
        other => esc_str(&other.to_string()),
    }
}

fn esc_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mrkdwn_is_rendered_and_everything_else_escaped() {
        assert_eq!(
            mrkdwn("*Refund* <https://app.frontapp.com/open/cnv_1|cnv_1> for <@U0DEVAPPROVER>\n>quoted &lt;b&gt; &amp; co"),
            "<b>Refund</b> <a href=\"https://app.frontapp.com/open/cnv_1\">cnv_1</a> for <b>U0DEVAPPROVER</b><br><blockquote>quoted &lt;b&gt; &amp; co</blockquote>"
        );
        // Raw `<…>` is a Slack control sequence: never a tag, never a script link.
        assert_eq!(mrkdwn("<javascript:alert(1)|x>"), "<b>x</b>");
        assert_eq!(mrkdwn("<script>"), "<b>script</b>");
        assert_eq!(
            mrkdwn("<https://x.test/\"onclick=\"a|y>"),
            "<a href=\"https://x.test/&quot;onclick=&quot;a\">y</a>"
        );
        assert_eq!(mrkdwn("a * b"), "a * b");
    }

    #[test]
    fn buttons_carry_their_message_and_action() {
        let state = json!({"users": [{"id": "U0DEVAPPROVER", "real_name": "Dev Approver", "note": ""}],
            "channels": [{"id": "C1", "name": "support-approvals", "messages": [
                {"ts": "1.2", "user": "U0DEVBOT", "text": "x", "blocks": [
                    {"type": "header", "text": {"type": "plain_text", "text": "Refund <now>"}},
                    {"type": "actions", "block_id": "decision", "elements": [
                        {"type": "button", "action_id": "approve", "style": "primary", "value": "apr_1",
                         "text": {"type": "plain_text", "text": "Approve"}}]}], "replies": []}]}],
            "views": [], "ephemerals": []});
        let html = render(&state);
        assert!(html.contains("<h3>Refund &lt;now&gt;</h3>"), "{html}");
        assert!(
            html.contains("data-channel=\"C1\" data-ts=\"1.2\" data-action=\"approve\""),
            "{html}"
        );
        assert!(html.contains("<option value=\"U0DEVAPPROVER\">"));
    }
}
