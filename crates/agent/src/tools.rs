//! The tools as the Messages API is offered them, from the one catalogue in
//! `support_core::tool` (names, descriptions, schemas, gates).

use support_anthropic::{CacheControl, Tool as ApiTool};
use support_core::tool::Tool;

/// Every tool, in catalogue order; the last one marks the end of the cached prefix.
/// Without a knowledge base `searchKnowledge` is not offered (the context says so).
pub fn offered_tools(knowledge: bool) -> Vec<ApiTool> {
    let mut tools: Vec<ApiTool> = Tool::ALL
        .iter()
        .filter(|t| knowledge || **t != Tool::SearchKnowledge)
        .map(|t| ApiTool::new(t.name(), t.description(), t.schema()))
        .collect();
    if let Some(last) = tools.last_mut() {
        last.cache_control = Some(CacheControl::ephemeral());
    }
    tools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_is_offered_with_its_schema_and_the_prefix_is_cached() {
        let tools = offered_tools(true);
        assert_eq!(tools.len(), Tool::ALL.len());
        let without = offered_tools(false);
        assert_eq!(without.len(), Tool::ALL.len() - 1);
        assert!(without.iter().all(|t| t.name != "searchKnowledge"));
        assert!(without.last().unwrap().cache_control.is_some());
        assert!(tools.last().unwrap().cache_control.is_some());
        assert!(tools[..tools.len() - 1]
            .iter()
            .all(|t| t.cache_control.is_none()));
        let refund = tools.iter().find(|t| t.name == "processRefund").unwrap();
        assert_eq!(refund.input_schema, Tool::ProcessRefund.schema());
    }
}
