//! The classifier's LLM fallback: core's prompt and schema sent as a forced tool call.
//! Shared by the `support-pipeline` function and `skill eval routing`.

use support_anthropic::{
    AnthropicClient, AnthropicError, Message, MessagesRequest, SystemBlock, Tool, ToolChoice,
};
use support_core::classify::{self, Classification, ClassifyInput, Signals};

/// Why the fallback gave no classification.
#[derive(Debug, thiserror::Error)]
pub enum ClassifierError {
    /// The API call failed (see [`AnthropicError::is_retryable`]).
    #[error("classifier: {0}")]
    Api(#[from] AnthropicError),
    /// The model did not call the tool it was forced to call.
    #[error("the classifier did not call its tool")]
    NoToolCall,
}

/// Classify with the model. An answer outside the schema (an unknown category, say)
/// becomes "unknown" at zero confidence, which routes to a human, never a guess.
pub async fn classify_with_llm(
    client: &AnthropicClient,
    model: &str,
    input: &ClassifyInput,
    signals: Signals,
) -> Result<Classification, ClassifierError> {
    classify_with_llm_observed(client, model, input, signals)
        .await
        .map(|c| c.classification)
}

/// A classification with the model call that made it (for telemetry: the request,
/// the answer and its token usage).
#[derive(Debug, Clone)]
pub struct ObservedClassification {
    /// The classification.
    pub classification: Classification,
    /// What was sent.
    pub request: MessagesRequest,
    /// What came back.
    pub response: support_anthropic::MessagesResponse,
}

/// [`classify_with_llm`], answering the model call too.
pub async fn classify_with_llm_observed(
    client: &AnthropicClient,
    model: &str,
    input: &ClassifyInput,
    signals: Signals,
) -> Result<ObservedClassification, ClassifierError> {
    let mut request = MessagesRequest::new(model, 512);
    request.system = vec![SystemBlock::cached(classify::llm_system_prompt())];
    request.tools = vec![Tool::new(
        classify::LLM_TOOL_NAME,
        "Record the message's category.",
        classify::llm_tool_schema(),
    )];
    request.tool_choice = Some(ToolChoice::tool(classify::LLM_TOOL_NAME));
    request.messages = vec![Message::user_text(classify::llm_user_message(input))];
    let response = client.messages(&request).await?;
    let call = response
        .tool_uses()
        .into_iter()
        .find(|c| c.name == classify::LLM_TOOL_NAME)
        .ok_or(ClassifierError::NoToolCall)?;
    let classification = classify::from_llm_tool_input(call.input, signals)
        .unwrap_or_else(|_| classify::without_llm(input, signals));
    Ok(ObservedClassification {
        classification,
        request,
        response,
    })
}
