//! The tool loop as a pure state machine.
//!
//! The workflow drives it one durable step at a time: [`AgentRun::request`] is the next
//! model call, [`AgentRun::on_response`] says what to do with the answer (run tools,
//! finish, or give up at the step limit), [`AgentRun::on_tool_results`] feeds results
//! back. Everything the loop knows is in [`AgentRun`], which serialises, so a step's
//! memoized result is enough to resume after any retry.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use support_anthropic::{
    ContentBlock, Message, MessagesRequest, MessagesResponse, StopReason, SystemBlock, Tool, Usage,
};

use support_core::effect::Effect;
use support_core::proposal::Refusal;
use support_core::tool::{Gate, Tool as Catalogue};

use crate::toolbox::Outcome;

/// How the agent is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    /// Model id.
    pub model: String,
    /// Output tokens per turn.
    pub max_tokens: u32,
    /// Model calls at most (the step limit).
    pub max_turns: u32,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            model: "claude-sonnet-4-5".into(),
            max_tokens: 1024,
            max_turns: 8,
        }
    }
}

/// A tool call the model made, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallRecord {
    /// `toolu_…`.
    pub id: String,
    /// Tool name, as the model wrote it.
    pub name: String,
    /// Its input, as the model gave it (for the audit log; never executed as is).
    pub input: Value,
    /// What became of it.
    pub outcome: Outcome,
}

/// What to do after a model answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Run these calls, each in its own step: parse, bind to the sender's records, then
    /// read or record a proposal.
    RunTools(Vec<PendingCall>),
    /// The agent is done; its final text (empty when it chose silence).
    Finish,
}

/// A tool call to run now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingCall {
    /// `toolu_…`.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Input.
    pub input: Value,
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// Still going.
    Running,
    /// The model ended its turn.
    Done,
    /// The step limit was reached.
    StepLimit,
    /// The model refused or ran out of tokens.
    Stopped,
}

/// The state of one agent run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRun {
    /// The conversation with the model so far (the first user turn is the context).
    pub messages: Vec<Message>,
    /// Model calls made.
    pub turns: u32,
    /// Tokens used.
    pub usage: Usage,
    /// Every tool call.
    pub tool_calls: Vec<ToolCallRecord>,
    /// The final reply text.
    pub reply: String,
    /// How it ended.
    pub ending: Ending,
}

impl AgentRun {
    /// A run that starts from this user message (the formatted context).
    pub fn new(user_message: String) -> Self {
        Self {
            messages: vec![Message::user_text(user_message)],
            turns: 0,
            usage: Usage::default(),
            tool_calls: Vec::new(),
            reply: String::new(),
            ending: Ending::Running,
        }
    }

    /// The next request: the static system prompt and tools (cached prefix), then the
    /// conversation.
    pub fn request(
        &self,
        config: &AgentConfig,
        system: &[SystemBlock],
        tools: &[Tool],
    ) -> MessagesRequest {
        let mut request = MessagesRequest::new(config.model.clone(), config.max_tokens);
        request.system = system.to_vec();
        request.tools = tools.to_vec();
        request.messages = self.messages.clone();
        request
    }

    /// Take a model answer.
    pub fn on_response(&mut self, _config: &AgentConfig, response: &MessagesResponse) -> Next {
        self.turns += 1;
        self.usage += response.usage;
        self.messages.push(response.to_message());
        let text = response.text();
        if !text.trim().is_empty() {
            self.reply = text.trim().to_owned();
        }
        let calls: Vec<_> = response.tool_uses();
        if response.stop_reason != StopReason::ToolUse || calls.is_empty() {
            self.ending = match response.stop_reason {
                StopReason::EndTurn | StopReason::StopSequence | StopReason::ToolUse => {
                    Ending::Done
                }
                _ => Ending::Stopped,
            };
            return Next::Finish;
        }
        let to_run: Vec<PendingCall> = calls
            .into_iter()
            .map(|call| PendingCall {
                id: call.id.to_owned(),
                name: call.name.to_owned(),
                input: call.input.clone(),
            })
            .collect();
        Next::RunTools(to_run)
    }

    /// Feed the results of the calls [`Next::RunTools`] asked for (in any order). The
    /// model sees a failed tool's message as an error result; the customer never does.
    pub fn on_tool_results(
        &mut self,
        config: &AgentConfig,
        results: Vec<(PendingCall, Outcome)>,
    ) -> bool {
        for (call, outcome) in results {
            self.tool_calls.push(ToolCallRecord {
                id: call.id,
                name: call.name,
                input: call.input,
                outcome,
            });
        }
        self.answer_calls();
        if self.turns >= config.max_turns {
            self.ending = Ending::StepLimit;
            return false;
        }
        true
    }

    /// The user turn answering every tool_use of the last assistant turn.
    fn answer_calls(&mut self) {
        let Some(last) = self.messages.last() else {
            return;
        };
        let ids: Vec<String> = last
            .content
            .iter()
            .filter_map(|b| match b {
                ContentBlock::ToolUse { id, .. } => Some(id.clone()),
                _ => None,
            })
            .collect();
        if ids.is_empty() {
            return;
        }
        let blocks = ids
            .iter()
            .map(
                |id| match self.tool_calls.iter().rev().find(|c| &c.id == id) {
                    Some(c) => match c.outcome.for_model() {
                        (shown, false) => ContentBlock::tool_result(id.clone(), shown.to_string()),
                        (shown, true) => ContentBlock::tool_error(id.clone(), shown.to_string()),
                    },
                    None => ContentBlock::tool_error(id.clone(), "the tool did not run"),
                },
            )
            .collect();
        self.messages.push(Message {
            role: support_anthropic::Role::User,
            content: blocks,
        });
    }

    /// The bound effects waiting for approval, in the order the model proposed them.
    pub fn proposals(&self) -> Vec<Effect> {
        self.tool_calls
            .iter()
            .filter_map(|c| match &c.outcome {
                Outcome::Proposed { effect } => Some(effect.clone()),
                _ => None,
            })
            .collect()
    }

    /// The calls the records refused, with why.
    pub fn refusals(&self) -> Vec<(&ToolCallRecord, &Refusal)> {
        self.tool_calls
            .iter()
            .filter_map(|c| match &c.outcome {
                Outcome::Refused { refusal } => Some((c, refusal)),
                _ => None,
            })
            .collect()
    }

    /// Effects the agent wanted and the records refused, which it did not replace with
    /// an allowed proposal of the same tool later: the customer's request needs a human.
    pub fn unmet_effects(&self) -> Vec<(&ToolCallRecord, &Refusal)> {
        self.refusals()
            .into_iter()
            .filter(|(call, _)| {
                Catalogue::from_name(&call.name).is_some_and(|t| t.gate() == Gate::NeedsApproval)
            })
            .filter(|(call, _)| {
                let later = self
                    .tool_calls
                    .iter()
                    .skip_while(|c| c.id != call.id)
                    .skip(1);
                !later
                    .into_iter()
                    .any(|c| c.name == call.name && matches!(c.outcome, Outcome::Proposed { .. }))
            })
            .collect()
    }

    /// Whether the agent handed the conversation to a human (escalateToHuman): why,
    /// and whether it is urgent.
    pub fn handed_off(&self) -> Option<(&str, support_core::tool::Urgency)> {
        self.tool_calls.iter().find_map(|c| match &c.outcome {
            Outcome::HandedOff { reason, urgency } => Some((reason.as_str(), *urgency)),
            _ => None,
        })
    }

    /// The calls that failed on the way (the reply then must not pretend they worked).
    pub fn tool_failures(&self) -> Vec<&ToolCallRecord> {
        self.tool_calls
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use support_core::effect::{Account, Effect, UpdateName};
    use support_core::proposal::{Refusal, RefusalReason};

    use super::*;

    fn call(id: &str, name: &str, outcome: Outcome) -> ToolCallRecord {
        ToolCallRecord {
            id: id.into(),
            name: name.into(),
            input: json!({}),
            outcome,
        }
    }

    fn refused() -> Outcome {
        Outcome::Refused {
            refusal: Refusal {
                reason: RefusalReason::NotTheSenders,
                message: "no".into(),
            },
        }
    }

    fn proposed() -> Outcome {
        Outcome::Proposed {
            effect: Effect::UpdateName(UpdateName {
                account: Account {
                    user_id: "u".into(),
                    email: "d@e.co".into(),
                    name: None,
                },
                new_name: "D".into(),
            }),
        }
    }

    #[test]
    fn a_refused_effect_needs_a_human_unless_an_allowed_one_replaced_it() {
        let mut run = AgentRun::new("hi".into());
        run.tool_calls = vec![
            call("1", "updateName", refused()),
            call("2", "lookupUser", refused()),
        ];
        let unmet: Vec<&str> = run
            .unmet_effects()
            .iter()
            .map(|(c, _)| c.name.as_str())
            .collect();
        assert_eq!(unmet, ["updateName"], "a refused read is no unmet effect");
        run.tool_calls.push(call("3", "updateName", proposed()));
        assert!(run.unmet_effects().is_empty());
        assert_eq!(run.proposals().len(), 1);
        assert_eq!(run.refusals().len(), 2);
    }
}
