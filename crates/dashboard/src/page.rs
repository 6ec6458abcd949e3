//! The frame every signed-in page shares: the navigation, who is signed in, and the
//! sign-out form.

use maud::{html, Markup, DOCTYPE};
use support_auth::{Permission, Role};

/// Which page is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `/`
    Queue,
    /// `/conversations/{id}`
    Conversation,
    /// `/audit`
    Audit,
    /// `/apps`
    Apps,
    /// `/people`
    People,
    /// `/trust`
    Trust,
    /// Sign-in and invitations: no navigation.
    None,
}

/// The signed-in person, as every page needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Their Slack user id (the identity their decisions are recorded under).
    pub slack_user_id: Option<String>,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
}

impl Frame {
    /// Whether they may do `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }

    /// Whether they can decide approvals here: the role allows it and a Slack user id
    /// names them to the approvers' list.
    pub fn can_decide(&self) -> bool {
        self.may(Permission::Decide) && self.slack_user_id.is_some()
    }
}

/// The hidden CSRF field every form carries.
pub fn csrf_field(frame: &Frame) -> Markup {
    html! { input type="hidden" name="csrf" value=(frame.csrf); }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="same-origin";
            // htmx may not eval, run inline scripts or add its own <style> (the CSP forbids them).
            meta name="htmx-config" content=r#"{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false,"historyCacheSize":0}"#;
            title { (title) " · Support" }
            link rel="stylesheet" href=(crate::CSS_PATH);
            script src=(crate::HTMX_PATH) defer {}
        }
    }
}

/// A whole signed-in page.
pub fn page(frame: &Frame, nav: Nav, title: &str, body: Markup) -> Markup {
    let link = |href: &str, label: &str, this: Nav| {
        html! { a href=(href) aria-current=[(nav == this).then_some("page")] { (label) } }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body {
                header {
                    nav aria-label="Dashboard" {
                        (link("/", "Queue", Nav::Queue))
                        (link("/audit", "Audit log", Nav::Audit))
                        (link("/apps", "Apps", Nav::Apps))
                        (link("/trust", "Trust", Nav::Trust))
                        (link("/people", "People", Nav::People))
                        span.who { (frame.name) " · " (frame.role.as_str()) }
                        form #sign-out method="post" action="/sign-out" {
                            (csrf_field(frame))
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                (body)
            }
        }
    }
}

/// A page without the navigation (sign-in, invitations, errors before sign-in).
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title))
            body { (body) }
        }
    }
}

/// A page that only says why something was refused.
pub fn refusal(title: &str, message: &str) -> Markup {
    bare(
        title,
        html! {
            main.sign-in {
                h1 { (title) }
                p.error { (message) }
                p { a href="/" { "Back to the dashboard" } }
            }
        },
    )
}
