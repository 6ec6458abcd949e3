//! The Front tag names the pipeline applies: one per category (the original's registry)
//! and one per escalation. The Front client resolves names to tag ids (creating missing
//! tags); these are only the names.

use crate::classify::Category;
use crate::routing::RouteAction;

/// The tag for a category. Both presales categories that stay with the team share
/// `presales`; `unknown` is `needs-review`.
pub fn tag_for(category: Category) -> &'static str {
    match category {
        Category::SupportAccess => "access-issue",
        Category::SupportRefund => "refund",
        Category::SupportTransfer => "transfer",
        Category::SupportTechnical => "technical",
        Category::SupportBilling => "billing",
        Category::FanMail => "fan-mail",
        Category::Spam => "spam",
        Category::System => "system",
        Category::Unknown => "needs-review",
        Category::PresalesFaq | Category::PresalesConsult => "presales",
        Category::PresalesTeam => "presales-enterprise",
    }
}

/// The tag for a routing action: escalations are tagged (`escalated`, `instructor`,
/// `urgent`, the original's escalation priorities); answering and silence are not.
pub fn tag_for_route(action: RouteAction) -> Option<&'static str> {
    match action {
        RouteAction::EscalateHuman => Some("escalated"),
        RouteAction::EscalateInstructor => Some("instructor"),
        RouteAction::EscalateUrgent => Some("urgent"),
        RouteAction::Respond | RouteAction::Silence => None,
    }
}
