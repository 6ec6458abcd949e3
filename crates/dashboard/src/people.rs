//! People: invite, change role, link a Slack id, revoke sessions and API tokens.

use maud::{html, Markup};
use support_auth::{Permission, Role};
use support_store::people::Person;
use support_store::ApiToken;

use crate::page::{csrf_field, page, Frame, Nav};
use crate::time;

/// What to show once, after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Nothing.
    Nothing,
    /// An invitation link: shown now, never again.
    Invite {
        /// Whom for.
        email: String,
        /// The link's path (`/invite/<token>`).
        path: String,
    },
    /// What changed.
    Done(String),
    /// A form's input was refused.
    Error(String),
}

const ROLES: [Role; 3] = [Role::Owner, Role::Agent, Role::Viewer];

/// The people page.
pub fn people_page(
    frame: &Frame,
    people: &[Person],
    tokens: &[ApiToken],
    shown: &Shown,
    origin: &str,
) -> Markup {
    let owner = frame.may(Permission::ManagePeople);
    let body = html! {
        main #people-page {
            h1 { "People" }
            @match shown {
                Shown::Invite { email, path } => div.secret-once role="status" {
                    p { "Send this link to " strong { (email) } " (shown once, valid 7 days, works once):" }
                    p { code { (origin) (path) } }
                },
                Shown::Done(m) => p.notice role="status" { (m) },
                Shown::Error(e) => p.error role="alert" { (e) },
                Shown::Nothing => {}
            }
            div.table-wrap {
                table #people.stack {
                    thead { tr { th { "Name" } th { "Email" } th { "Role" } th { "Slack user id" } th { "Since" } @if owner { th { "Manage" } } } }
                    tbody {
                        @for p in people {
                            tr data-email=(p.email) data-role=(p.role.as_str()) {
                                td data-label="Name" { (p.name) }
                                td data-label="Email" { (p.email) }
                                td data-label="Role" { (p.role.as_str()) }
                                td data-label="Slack" { (p.slack_user_id.as_deref().unwrap_or("not linked")) }
                                td data-label="Since" { (time::at(p.created_at)) }
                                @if owner {
                                    td data-label="Manage" {
                                        form.change-person.inline method="post" action=(format!("/people/{}", p.id)) {
                                            (csrf_field(frame))
                                            select name="role" aria-label="Role" {
                                                @for r in ROLES { option value=(r.as_str()) selected[p.role == r] { (r.as_str()) } }
                                            }
                                            input name="slack" value=[p.slack_user_id.as_deref()] placeholder="U…" aria-label="Slack user id" size="12";
                                            button type="submit" { "Save" }
                                        }
                                        form.revoke-sessions method="post" action=(format!("/people/{}/revoke-sessions", p.id)) {
                                            (csrf_field(frame))
                                            button.danger type="submit" { "Sign out everywhere" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Approvals API tokens" }
            div.table-wrap {
                table #tokens.stack {
                    thead { tr { th { "Token" } th { "Person (Slack)" } th { "Apps" } th { "Label" } th { "Created" } th { "State" } } }
                    tbody {
                        @for t in tokens {
                            tr data-token=(t.id) {
                                td data-label="Token" { code { (t.id) } }
                                td data-label="Person" { (t.slack_user_id) }
                                td data-label="Apps" { (t.apps.join(", ")) }
                                td data-label="Label" { (t.label) }
                                td data-label="Created" { (time::at(t.created_at)) }
                                td data-label="State" {
                                    @match t.revoked_at {
                                        Some(at) => { "revoked " (time::at(at)) },
                                        None if owner => {
                                            form.revoke-token method="post" action=(format!("/api-tokens/{}/revoke", t.id)) {
                                                (csrf_field(frame))
                                                button.danger type="submit" { "Revoke" }
                                            }
                                        },
                                        None => { "active" },
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if owner {
                section.card {
                    h2 { "Invite someone" }
                    form #invite method="post" action="/people" {
                        (csrf_field(frame))
                        div.filters {
                            div { label for="i-email" { "Email" } input #i-email type="email" name="email" required; }
                            div { label for="i-name" { "Name" } input #i-name name="name"; }
                            div { label for="i-role" { "Role" }
                                select #i-role name="role" { @for r in ROLES { option value=(r.as_str()) selected[r == Role::Agent] { (r.as_str()) } } } }
                            div { label for="i-slack" { "Slack user id" } input #i-slack name="slack" placeholder="U…"; }
                        }
                        p.muted { "They get a one-time link to set their own password; nobody else ever knows it." }
                        button.primary type="submit" { "Invite" }
                    }
                }
            }
        }
    };
    page(frame, Nav::People, "People", body)
}
