//! Sign-in and accepting an invitation.

use maud::{html, Markup};

use crate::page::bare;

/// The sign-in form; `error` after a failed attempt, `next` where to go after.
pub fn sign_in(next: &str, email: &str, error: Option<&str>) -> Markup {
    bare(
        "Sign in",
        html! {
            main.sign-in {
                h1 { "Sign in" }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                form #sign-in method="post" action="/sign-in" {
                    input type="hidden" name="next" value=(next);
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(email) autocomplete="username" required autofocus;
                    label for="password" { "Password" }
                    input #password type="password" name="password" autocomplete="current-password" required;
                    button.primary type="submit" { "Sign in" }
                }
                p.muted { "No account? An owner invites you from the People page." }
            }
        },
    )
}

/// The form with which an invited person sets their password.
pub fn invite(email: &str, error: Option<&str>) -> Markup {
    bare(
        "Accept your invitation",
        html! {
            main.sign-in {
                h1 { "Welcome" }
                p { "Set a password for " strong { (email) } "." }
                @if let Some(error) = error { p.error role="alert" { (error) } }
                form #accept-invite method="post" {
                    label for="password" { "Password (8 to 128 characters)" }
                    input #password type="password" name="password" autocomplete="new-password" minlength="8" maxlength="128" required autofocus;
                    button.primary type="submit" { "Set password and sign in" }
                }
            }
        },
    )
}

/// Where to go after signing in: only a path on this platform, never another origin.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_sign_in_only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/audit?app=x")), "/audit?app=x");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_failed_sign_in_shows_why_and_keeps_the_email_escaped() {
        let html = sign_in("/", "<b>@x", Some("Invalid email or password")).into_string();
        assert!(html.contains("Invalid email or password"));
        assert!(html.contains("&lt;b&gt;@x"));
        assert!(!html.contains("<b>@x"));
    }
}
