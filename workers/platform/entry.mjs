// The module the runtime loads for the platform worker: worker-build's output
// (build/worker/shim.mjs) plus one thing it does not do. The runtime serves a Durable
// Object's RPC methods only on a class that derives from `DurableObject`, and the classes
// worker-build exports derive from nothing. The conversation object's client calls its
// `intake`, `snapshot` and `replay` over RPC (no Request or Response built for them,
// src/objects), so the class gets that base here, before the runtime sees it.
import { DurableObject } from "cloudflare:workers";

import { Conversation } from "./build/worker/shim.mjs";

Object.setPrototypeOf(Conversation.prototype, DurableObject.prototype);
Object.setPrototypeOf(Conversation, DurableObject);

export * from "./build/worker/shim.mjs";
export { default } from "./build/worker/shim.mjs";
