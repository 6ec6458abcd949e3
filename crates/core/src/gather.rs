//! What gather reads besides the sender's account and purchases: the category-aware
//! data the original built and never fetched.

use crate::classify::Category;

/// One category-aware read from the app (each an SDK action; `501` means "not offered").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// `getRefundPolicy`.
    RefundPolicy,
    /// `getContentAccess` of the sender.
    ContentAccess {
        /// The sender's user id.
        user_id: String,
    },
    /// `getRecentActivity` of the sender.
    RecentActivity {
        /// The sender's user id.
        user_id: String,
    },
    /// `getActivePromotions`.
    ActivePromotions,
    /// `getLicenseInfo` of the sender's team purchase.
    LicenseInfo {
        /// One of the sender's purchases.
        purchase_id: String,
    },
}

impl Want {
    /// The name the result is shown under in the agent's context.
    pub fn label(&self) -> &'static str {
        match self {
            Want::RefundPolicy => "RefundPolicy",
            Want::ContentAccess { .. } => "ContentAccess",
            Want::RecentActivity { .. } => "RecentActivity",
            Want::ActivePromotions => "ActivePromotions",
            Want::LicenseInfo { .. } => "LicenseInfo",
        }
    }
}

/// What to read for a message of `category`, for a sender with `user_id` (when they
/// have an account) and `team_purchase` (their team-licence purchase, if any).
pub fn wanted(category: Category, user_id: Option<&str>, team_purchase: Option<&str>) -> Vec<Want> {
    match category {
        Category::SupportRefund => vec![Want::RefundPolicy],
        Category::SupportAccess | Category::SupportTechnical => user_id
            .map(|id| {
                vec![
                    Want::ContentAccess {
                        user_id: id.to_owned(),
                    },
                    Want::RecentActivity {
                        user_id: id.to_owned(),
                    },
                ]
            })
            .unwrap_or_default(),
        Category::PresalesFaq | Category::PresalesConsult => vec![Want::ActivePromotions],
        Category::PresalesTeam => team_purchase
            .map(|id| {
                vec![Want::LicenseInfo {
                    purchase_id: id.to_owned(),
                }]
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_category_reads_what_it_needs_of_the_sender_only() {
        assert_eq!(
            wanted(Category::SupportRefund, None, None),
            [Want::RefundPolicy]
        );
        assert_eq!(
            wanted(Category::SupportAccess, Some("usr_1"), None),
            [
                Want::ContentAccess {
                    user_id: "usr_1".into()
                },
                Want::RecentActivity {
                    user_id: "usr_1".into()
                }
            ]
        );
        assert!(
            wanted(Category::SupportAccess, None, None).is_empty(),
            "no account, nothing to read"
        );
        assert_eq!(
            wanted(Category::PresalesFaq, None, None),
            [Want::ActivePromotions]
        );
        assert_eq!(
            wanted(Category::PresalesTeam, Some("u"), Some("pur_team")),
            [Want::LicenseInfo {
                purchase_id: "pur_team".into()
            }]
        );
        assert!(wanted(Category::Spam, Some("u"), None).is_empty());
    }
}
