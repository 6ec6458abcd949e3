//! Registered apps: their inboxes, approvers, Slack channels and Stripe account; SDK
//! health on demand; registering an app and rotating its SDK secret (shown once).

use maud::{html, Markup};
use support_auth::Permission;
use support_sdk::health::Report;
use support_store::AppConfig;

use crate::page::{csrf_field, page, Frame, Nav};

/// What to show once, after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    /// Nothing.
    Nothing,
    /// A new SDK secret for an app: shown now, never again.
    Secret {
        /// The app.
        slug: String,
        /// The secret.
        secret: String,
        /// Whether the previous one is still accepted (a rotation's overlap).
        overlap: bool,
    },
    /// What changed.
    Done(String),
    /// A form's input was refused.
    Error(String),
}

/// The apps page; `people` maps Slack user ids to names.
pub fn apps_page(
    frame: &Frame,
    apps: &[AppConfig],
    people: &[(String, String)],
    shown: &Shown,
) -> Markup {
    let owner = frame.may(Permission::ManageApps);
    let name_of = |slack: &str| {
        people
            .iter()
            .find(|(id, _)| id == slack)
            .map(|(_, n)| format!("{n} ({slack})"))
            .unwrap_or_else(|| slack.to_owned())
    };
    let body = html! {
        main #apps-page {
            h1 { "Apps" }
            @match shown {
                Shown::Secret { slug, secret, overlap } => {
                    div.secret-once role="status" {
                        p { "The SDK secret of " strong { (slug) } ", shown once (the platform keeps it sealed and never shows it again):" }
                        p { code { (secret) } }
                        @if *overlap {
                            p { "Until you finish the rotation, every request to the app is signed with the previous secret and this one (the previous listed first), so the app keeps working while you switch it: set this secret in the app (an app on our SDK can hold both), then press “Finish rotation”. An app on the TypeScript SDK reads only the first signature: switch it and finish the rotation together." }
                        }
                    }
                }
                Shown::Done(m) => p.notice role="status" { (m) },
                Shown::Error(e) => p.error role="alert" { (e) },
                Shown::Nothing => {}
            }
            div.table-wrap {
                table #apps.stack {
                    thead { tr { th { "App" } th { "Front inbox" } th { "SDK endpoint" } th { "Approvers" } th { "Slack channels" } th { "Stripe" } th { "SDK secrets" } @if owner { th { "Manage" } } } }
                    tbody {
                        @for app in apps {
                            tr data-app=(app.slug) {
                                td data-label="App" { strong { (app.name) } br; code { (app.slug) } }
                                td data-label="Front inbox" { (app.front_inbox_id.as_deref().unwrap_or("none")) }
                                td data-label="SDK endpoint" { code { (app.integration_url) } }
                                td data-label="Approvers" {
                                    @if app.settings.approvers.is_empty() { span.badge.bad { "none: nobody can decide" } }
                                    @for (i, a) in app.settings.approvers.iter().enumerate() { @if i > 0 { ", " } (name_of(a)) }
                                }
                                td data-label="Slack channels" {
                                    "approvals " (app.settings.approval_channel.as_deref().unwrap_or("none"))
                                    @if let Some(c) = &app.settings.escalation_channel { br; "escalations " (c) }
                                }
                                td data-label="Stripe" {
                                    @match &app.stripe_account_id {
                                        Some(acct) => { "connected account " code { (acct) } },
                                        None => { span.muted { "no connected account: refunds are refused" } },
                                    }
                                }
                                td data-label="SDK secrets" {
                                    @if app.settings.sdk_secret_rotating {
                                        span.badge.rotating { "rotating" } " signed with the previous and the new secret"
                                    } @else {
                                        "one, current"
                                    }
                                }
                                @if owner {
                                    td data-label="Manage" {
                                        form.health method="post" action=(format!("/apps/{}/health", app.slug))
                                            hx-post=(format!("/apps/{}/health", app.slug)) hx-target=(format!("#health-{}", app.slug)) hx-swap="innerHTML" {
                                            (csrf_field(frame))
                                            button type="submit" { "Check SDK health" }
                                        }
                                        @if app.settings.sdk_secret_rotating {
                                            form.finish-rotation method="post" action=(format!("/apps/{}/finish-rotation", app.slug)) {
                                                (csrf_field(frame))
                                                button.danger type="submit" { "Finish rotation" }
                                            }
                                        } @else {
                                            form.rotate-secret method="post" action=(format!("/apps/{}/rotate-secret", app.slug)) {
                                                (csrf_field(frame))
                                                button.danger type="submit" { "Rotate SDK secret" }
                                            }
                                        }
                                    }
                                }
                            }
                            tr.health-row { td colspan="8" id=(format!("health-{}", app.slug)) {} }
                        }
                    }
                }
            }
            @if owner { (register_form(frame)) }
        }
    };
    page(frame, Nav::Apps, "Apps", body)
}

fn register_form(frame: &Frame) -> Markup {
    html! {
        section.card {
            h2 { "Register an app" }
            form #register-app method="post" action="/apps" {
                (csrf_field(frame))
                div.filters {
                    div { label for="r-slug" { "Slug" } input #r-slug name="slug" required pattern="[a-z0-9][a-z0-9-]{1,62}"; }
                    div { label for="r-name" { "Name" } input #r-name name="name" required; }
                    div { label for="r-url" { "SDK endpoint (https)" } input #r-url name="integrationUrl" type="url" required; }
                    div { label for="r-inbox" { "Front inbox id" } input #r-inbox name="frontInboxId" placeholder="inb_…"; }
                    div { label for="r-approvers" { "Approvers (Slack ids, comma separated)" } input #r-approvers name="approvers" placeholder="U…, U…"; }
                    div { label for="r-channel" { "Approvals channel" } input #r-channel name="approvalChannel" placeholder="C…"; }
                    div { label for="r-stripe" { "Stripe connected account" } input #r-stripe name="stripeAccountId" placeholder="acct_…"; }
                }
                p.muted { "The SDK secret is generated and shown once." }
                button.primary type="submit" { "Register" }
            }
        }
    }
}

/// The health check's result (the dashboard runs it read-only: the mutating methods of
/// a production app are never probed from a button).
pub fn health(report: &Report) -> Markup {
    html! {
        div.card.health data-healthy=(report.healthy) {
            p { strong { (if report.healthy { "Healthy" } else { "UNHEALTHY" }) } " · " code { (report.url) } " · read-only check" }
            ul {
                @for p in &report.methods {
                    li {
                        code { (p.action) } " · " (if p.required { "required" } else { "optional" }) " · "
                        (p.outcome.label())
                        @if let Some(s) = p.status { " · " (s) }
                        " · " (p.millis) " ms"
                        @if let Some(d) = &p.detail { " · " span.muted { (d) } }
                    }
                }
            }
        }
    }
}
