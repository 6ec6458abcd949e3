//! The support platform worker.
//!
//! Thin on purpose: [`ROUTES`] maps a path and its methods to a handler in
//! [`routes`]; a handler parses the request, calls the domain (`support-core`,
//! `support-workflows`) and answers, returning every failure as an [`http::ApiError`]
//! through `?`. Configuration is [`env`], read once; the edge's implementations of the
//! domain's ports are [`ports`]; the Durable Object classes and their typed clients
//! are [`objects`].
//!
//! To add a route, add one line to [`ROUTES`]: a known path with the wrong method then
//! answers 405 with an `Allow` header, an unknown path 404, and an admin route 404
//! unless `ADMIN_TOKEN` is set.

mod env;
mod http;
mod objects;
mod ports;
mod routes;
mod telemetry;

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use worker::{event, Context, Env, Method, Request, Response, Result};

use http::{ApiError, ApiResult};
use routes::{admin, api, auth, doctor, front, health, inngest, pages, slack, Ctx};

pub use objects::Conversation;

const SERVICE: &str = "support-platform";

type Handler = fn(Request, Ctx) -> Pin<Box<dyn Future<Output = ApiResult>>>;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Anyone (the handler verifies what it must: signatures).
    Public,
    /// Operators with `ADMIN_TOKEN`; invisible without it.
    Admin,
    /// The approvals API: each handler finds the person behind the bearer token.
    Api,
}

struct Route {
    /// The path; a `{name}` segment matches any one non-empty segment.
    path: &'static str,
    methods: &'static [Method],
    access: Access,
    handler: Handler,
}

/// Every route of the worker, in one place.
const ROUTES: &[Route] = &[
    Route {
        path: "/healthz",
        methods: &[Method::Get, Method::Head],
        access: Access::Public,
        handler: |r, c| Box::pin(health::get(r, c)),
    },
    Route {
        path: "/webhooks/front",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(front::post(r, c)),
    },
    Route {
        path: "/api/inngest",
        methods: &[Method::Get, Method::Put, Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(inngest::serve(r, c)),
    },
    Route {
        path: "/slack/interactions",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(slack::interactions(r, c)),
    },
    Route {
        path: "/slack/events",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(slack::events(r, c)),
    },
    Route {
        path: "/api/approvals",
        methods: &[Method::Get],
        access: Access::Api,
        handler: |r, c| Box::pin(api::list(r, c)),
    },
    Route {
        path: "/api/approvals/{id}/{decision}",
        methods: &[Method::Post],
        access: Access::Api,
        handler: |r, c| Box::pin(api::decide_route(r, c)),
    },
    Route {
        path: "/api/stats",
        methods: &[Method::Get],
        access: Access::Api,
        handler: |r, c| Box::pin(api::stats(r, c)),
    },
    Route {
        path: "/admin/autosend",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::autosend(r, c)),
    },
    Route {
        path: "/admin/intake/stats",
        methods: &[Method::Get],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::stats(r, c)),
    },
    Route {
        path: "/admin/conversations/{id}",
        methods: &[Method::Get],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::conversation(r, c)),
    },
    Route {
        path: "/admin/dead-letters",
        methods: &[Method::Get],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::dead_letters(r, c)),
    },
    Route {
        path: "/admin/retention",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::retention(r, c)),
    },
    Route {
        path: "/admin/dead-letters/replay",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::replay(r, c)),
    },
    Route {
        path: "/admin/doctor",
        methods: &[Method::Get],
        access: Access::Admin,
        handler: |r, c| Box::pin(doctor::get(r, c)),
    },
    Route {
        path: "/admin/actions",
        methods: &[Method::Get],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::actions(r, c)),
    },
    Route {
        path: "/admin/tokens",
        methods: &[Method::Get, Method::Post],
        access: Access::Admin,
        handler: |r, c| match r.method() {
            Method::Post => Box::pin(admin::create_token(r, c)),
            _ => Box::pin(admin::tokens(r, c)),
        },
    },
    Route {
        path: "/admin/tokens/{id}/revoke",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::revoke_token(r, c)),
    },
    Route {
        path: "/admin/knowledge/faqs",
        methods: &[Method::Get],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::faqs(r, c)),
    },
    Route {
        path: "/admin/knowledge/faqs/{id}/{decision}",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::decide_faq(r, c)),
    },
    Route {
        path: "/admin/users",
        methods: &[Method::Get, Method::Post],
        access: Access::Admin,
        handler: |r, c| match r.method() {
            Method::Post => Box::pin(admin::add_person(r, c)),
            _ => Box::pin(admin::people(r, c)),
        },
    },
    Route {
        path: "/admin/users/{id}",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::change_person(r, c)),
    },
    Route {
        path: "/admin/users/{id}/revoke-sessions",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::revoke_sessions(r, c)),
    },
    Route {
        path: "/admin/apps",
        methods: &[Method::Get, Method::Post],
        access: Access::Admin,
        handler: |r, c| match r.method() {
            Method::Post => Box::pin(admin::add_app(r, c)),
            _ => Box::pin(admin::apps(r, c)),
        },
    },
    Route {
        path: "/admin/apps/{slug}",
        methods: &[Method::Get, Method::Delete],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::app(r, c)),
    },
    Route {
        path: "/admin/apps/{slug}/{step}",
        methods: &[Method::Post],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::rotate_app_secret(r, c)),
    },
    Route {
        path: "/api/auth/sign-in/email",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(auth::sign_in_email(r, c)),
    },
    Route {
        path: "/api/auth/get-session",
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(auth::get_session(r, c)),
    },
    Route {
        path: "/api/auth/sign-out",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(auth::sign_out(r, c)),
    },
    Route {
        path: "/admin/audit",
        methods: &[Method::Get],
        access: Access::Admin,
        handler: |r, c| Box::pin(admin::audit(r, c)),
    },
    // The dashboard: each page checks the session, its role and (for a POST) the
    // origin and CSRF token itself (routes/pages.rs).
    Route {
        path: support_dashboard::HTMX_PATH,
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::htmx(r, c)),
    },
    Route {
        path: support_dashboard::CSS_PATH,
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::css(r, c)),
    },
    Route {
        path: "/sign-in",
        methods: &[Method::Get, Method::Post],
        access: Access::Public,
        handler: |r, c| match r.method() {
            Method::Post => Box::pin(pages::sign_in_form(r, c)),
            _ => Box::pin(pages::sign_in_page(r, c)),
        },
    },
    Route {
        path: "/sign-out",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::sign_out_form(r, c)),
    },
    Route {
        path: "/invite/{token}",
        methods: &[Method::Get, Method::Post],
        access: Access::Public,
        handler: |r, c| match r.method() {
            Method::Post => Box::pin(pages::accept_invite(r, c)),
            _ => Box::pin(pages::invite_page(r, c)),
        },
    },
    Route {
        path: "/",
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::queue_page(r, c)),
    },
    Route {
        path: "/queue/changes",
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::queue_changes(r, c)),
    },
    Route {
        path: "/approvals/{id}/{decision}",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::decide_form(r, c)),
    },
    Route {
        path: "/conversations/{id}",
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::conversation_page(r, c)),
    },
    Route {
        path: "/audit",
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::audit_page(r, c)),
    },
    Route {
        path: "/audit.csv",
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::audit_csv(r, c)),
    },
    Route {
        path: "/trust",
        methods: &[Method::Get],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::trust_page(r, c)),
    },
    Route {
        path: "/trust/{app}/{category}",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::switch_autosend(r, c)),
    },
    Route {
        path: "/apps",
        methods: &[Method::Get, Method::Post],
        access: Access::Public,
        handler: |r, c| match r.method() {
            Method::Post => Box::pin(pages::register_app(r, c)),
            _ => Box::pin(pages::apps_page(r, c)),
        },
    },
    Route {
        path: "/apps/{slug}/rotate-secret",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::rotate_secret(r, c)),
    },
    Route {
        path: "/apps/{slug}/finish-rotation",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::finish_rotation(r, c)),
    },
    Route {
        path: "/apps/{slug}/health",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::app_health(r, c)),
    },
    Route {
        path: "/people",
        methods: &[Method::Get, Method::Post],
        access: Access::Public,
        handler: |r, c| match r.method() {
            Method::Post => Box::pin(pages::invite_person(r, c)),
            _ => Box::pin(pages::people_page(r, c)),
        },
    },
    Route {
        path: "/people/{id}",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::change_person(r, c)),
    },
    Route {
        path: "/people/{id}/revoke-sessions",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::revoke_sessions(r, c)),
    },
    Route {
        path: "/api-tokens/{id}/revoke",
        methods: &[Method::Post],
        access: Access::Public,
        handler: |r, c| Box::pin(pages::revoke_token(r, c)),
    },
];

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    Ok(dispatch(req, env, ctx)
        .await
        .unwrap_or_else(ApiError::into_response))
}

async fn dispatch(req: Request, env: Env, ctx: Context) -> ApiResult {
    let path = req.path();
    let Some((route, params)) = ROUTES
        .iter()
        .find_map(|route| match_path(route.path, &path).map(|p| (route, p)))
    else {
        return Err(ApiError::not_found());
    };
    let started = env::now_ms();
    let method = req.method();
    let ctx = Ctx {
        telemetry: telemetry::recorder(&env),
        env,
        ctx: Rc::new(ctx),
        params,
    };
    let (recorder, worker_ctx, env) = (ctx.telemetry.clone(), ctx.ctx.clone(), ctx.env.clone());
    let result = async {
        match route.access {
            Access::Admin => admin::authorize(&req, &ctx)?,
            Access::Api | Access::Public => {}
        }
        if !route.methods.contains(&method) {
            let allow: Vec<&str> = route.methods.iter().map(|m| m.as_ref()).collect();
            return Err(ApiError::method_not_allowed(allow.join(", ")));
        }
        (route.handler)(req, ctx).await
    }
    .await;
    if let Some(recorder) = recorder {
        let status = match &result {
            Ok(response) => response.status_code(),
            Err(err) => err.status(),
        };
        let now = env::now_ms();
        recorder.request(method.as_ref(), route.path, status, now - started, now);
        telemetry::send(&env, &worker_ctx, &recorder);
    }
    result
}

/// The `{name}` segments of `path` if it matches `pattern`.
fn match_path(pattern: &str, path: &str) -> Option<Vec<String>> {
    let mut params = Vec::new();
    let mut pattern_parts = pattern.split('/');
    let mut path_parts = path.split('/');
    loop {
        match (pattern_parts.next(), path_parts.next()) {
            (None, None) => return Some(params),
            (Some(p), Some(s)) if p.starts_with('{') && p.ends_with('}') && !s.is_empty() => {
                params.push(s.to_owned())
            }
            (Some(p), Some(s)) if p == s => {}
            _ => return None,
        }
    }
}
