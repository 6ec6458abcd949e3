//! Integration tests for every scheme: published test vectors, then the
//! negative cases.

mod common;
mod front;
mod inngest;
mod sdk;
mod slack;
mod standard_webhooks;
mod stripe;
mod table;
