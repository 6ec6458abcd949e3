//! Escaping for where a value goes. Everything a customer, the model or an app wrote
//! passes through one of these before it reaches Slack or Front; only our templates
//! carry markup.
//!
//! - [`mrkdwn`]: Slack's mrkdwn (`&`, `<`, `>` as Slack's own entities), so no `<!channel>`,
//!   `<@U…>`, `<url|label>` or `<!date…>` comes alive.
//! - [`html`]: HTML text and attribute values (Front comments, reply bodies).
//! - [`html_text`]: plain text as an HTML body, line breaks kept; [`text_of_html`] back.
//! - [`markdown`]: text inside a Front comment (markdown): HTML escaped, and the
//!   characters that make links, images, emphasis and code backslash-escaped.

/// Text for Slack mrkdwn: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` (Slack's rule for
/// every control sequence: they all start with `<`).
pub fn mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML, in an element or a quoted attribute.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as an HTML body: escaped, each line break a `<br>`.
pub fn html_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split('\n')
        .map(html)
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Text for a markdown body (Front comments): no raw HTML, no `[label](url)` link or
/// image, no emphasis or code span the writer did not mean.
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '[' | ']' | '*' | '_' | '`' | '!' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The plain text of an HTML body, as Front shows it in a message's `text`: line
/// breaks and block ends as new lines, tags dropped, the common entities read back (the
/// inverse of [`html_text`]).
pub fn text_of_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        if tag.starts_with("br") || tag == "/p" || tag == "/div" {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_control_sequences_stay_text() {
        assert_eq!(
            mrkdwn("<!channel> <https://evil.example/login|Open in Stripe> & co"),
            "&lt;!channel&gt; &lt;https://evil.example/login|Open in Stripe&gt; &amp; co"
        );
        assert_eq!(
            mrkdwn("&lt;"),
            "&amp;lt;",
            "an entity the customer typed stays text"
        );
    }

    #[test]
    fn html_stays_text() {
        assert_eq!(
            html("<a href=\"x\" onclick='y'>&</a>"),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(html_text("Hi <b>\r\nthere"), "Hi &lt;b&gt;<br>there");
    }

    #[test]
    fn html_text_reads_back_as_the_text() {
        let text = "Hi <Dana> & \"co\"'s\nline two";
        assert_eq!(text_of_html(&html_text(text)), text);
        assert_eq!(text_of_html("<p>a</p><div>b<br/>c</div>&nbsp;"), "a\nb\nc");
    }

    #[test]
    fn markdown_links_and_html_stay_text() {
        assert_eq!(
            markdown("[Open](https://evil.example) <b>*now*</b>"),
            "\\[Open\\](https://evil.example) &lt;b&gt;\\*now\\*&lt;/b&gt;"
        );
    }
}
