//! The support platform's dashboard, server-rendered.
//!
//! Every page and fragment is a pure function from records to [`maud::Markup`]: the
//! worker (`workers/platform/src/routes/pages.rs`) checks the session, the role and the
//! CSRF token, loads the records, calls these and sends the HTML with [`CSP`]. Nothing
//! here does I/O, so every page renders natively in tests and benchmarks exactly as it
//! does in the worker.
//!
//! Pages work without JavaScript (forms post and redirect); htmx 2.0 (served by the
//! worker at [`HTMX_PATH`]) swaps a decided approval in place and polls the queue, so a
//! decision made in Slack shows without a reload. Everything a customer or the model
//! wrote is escaped by maud; nothing is ever inserted as markup.

pub mod apps;
pub mod audit;
pub mod form;
pub mod page;
pub mod people;
pub mod queue;
pub mod sign_in;
pub mod time;
pub mod trail;
pub mod trust;

pub use maud::{Markup, PreEscaped};
pub use page::{Frame, Nav};

/// The htmx release served by the worker (pinned; the file is in `assets/`).
pub const HTMX_VERSION: &str = "2.0.11";
/// Where the worker serves htmx (versioned, so it can be cached for a year).
pub const HTMX_PATH: &str = "/assets/htmx-2.0.11.min.js";
/// htmx itself (0BSD, `assets/htmx-LICENSE`).
pub const HTMX_JS: &str = include_str!("../assets/htmx-2.0.11.min.js");
/// The stylesheet.
pub const CSS: &str = include_str!("../assets/dashboard.css");
/// Where the worker serves the stylesheet.
pub const CSS_PATH: &str = "/assets/dashboard.css";

/// The pages' Content-Security-Policy: scripts and styles only from the platform (htmx
/// and the stylesheet; no inline script, no eval), forms only to the platform, and no
/// framing by anyone (clickjacking an approve button is not possible).
pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_htmx_is_the_pinned_2_0_release() {
        assert!(HTMX_JS.contains(&format!("version:\"{HTMX_VERSION}\"")));
        assert!(HTMX_VERSION.starts_with("2.0."));
        assert!(HTMX_PATH.contains(HTMX_VERSION));
    }

    #[test]
    fn the_policy_forbids_framing_inline_script_and_foreign_forms() {
        assert!(CSP.contains("frame-ancestors 'none'"));
        assert!(CSP.contains("script-src 'self'"));
        assert!(!CSP.contains("unsafe-inline") && !CSP.contains("unsafe-eval"));
        assert!(CSP.contains("form-action 'self'"));
    }
}
