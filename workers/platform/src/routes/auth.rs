//! Sign-in for the dashboard, speaking BetterAuth's email API (its paths, bodies and
//! answers) on BetterAuth's tables (migration 0007) and cookie:
//! - `POST /api/auth/sign-in/email` `{"email", "password"}`: the session cookie and
//!   `{"redirect": false, "token", "user"}`; a wrong email or password is one 401, too
//!   many failures a 429 with `Retry-After`;
//! - `GET /api/auth/get-session`: `{"session", "user"}`, or `null` without a valid one;
//! - `POST /api/auth/sign-out`: ends the session and clears the cookie.
//!
//! Without `BETTER_AUTH_SECRET` these routes answer 404. A browser's cross-site `POST`
//! is refused (its `Origin` must be this platform's: there is no list of other trusted
//! origins yet, so a client on another origin cannot sign in through a browser). A
//! password is never taken over plain http, except on the loopback address (local
//! development). Sessions last 7 days from sign-in and are not extended by use.

use serde::Deserialize;
use serde_json::{json, Value};
use support_auth::{
    clear_cookie_header, cookie_name, set_cookie_header, sign_session_cookie, single_cookie_value,
    verify_session_cookie,
};
use support_store::people::{sign_in, Origin, Person, Session, SignInError};
use support_store::Store;
use worker::{Request, Response};

use super::Ctx;
use crate::http::{header, json, read_body, ApiError, ApiResult};

/// Sign-in bodies are tiny.
const MAX_BODY_BYTES: usize = 4 * 1024;

/// The secrets, current first, or 404: sign-in does not exist without them.
pub fn secrets(ctx: &Ctx) -> Result<Vec<String>, ApiError> {
    let settings = ctx.settings()?;
    if settings.auth_secrets.is_empty() {
        return Err(ApiError::not_found());
    }
    Ok(settings
        .auth_secrets
        .iter()
        .map(|s| s.expose().to_owned())
        .collect())
}

/// Cookies are `Secure` (and `__Secure-` named) unless the platform is served over
/// plain http (local development).
pub fn secure(req: &Request) -> bool {
    req.url().map(|u| u.scheme() == "https").unwrap_or(true)
}

/// A password over plain http is refused unless the host is the loopback (local
/// development): a misconfigured zone must not carry passwords in the clear.
pub fn transport_ok(req: &Request) -> Result<(), ApiError> {
    let url = req.url()?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() == "https" || loopback {
        Ok(())
    } else {
        Err(ApiError::new(403, "sign in over https"))
    }
}

/// A browser's `POST` from another origin is refused; clients that send no `Origin`
/// (curl, servers) carry no ambient cookie risk.
pub fn same_origin(req: &Request) -> Result<(), ApiError> {
    let Some(origin) = header(req, "origin") else {
        return Ok(());
    };
    let own = req.url()?.origin().ascii_serialization();
    if origin == own {
        Ok(())
    } else {
        Err(ApiError::new(403, "cross-site request refused"))
    }
}

/// BetterAuth's user object.
fn user_json(p: &Person) -> Value {
    json!({
        "id": p.id, "name": p.name, "email": p.email, "emailVerified": false, "image": null,
        "createdAt": support_store::people::iso(p.created_at),
        "updatedAt": support_store::people::iso(p.updated_at),
        "role": p.role, "slackUserId": p.slack_user_id,
    })
}

/// BetterAuth's session object.
fn session_json(s: &Session) -> Value {
    use support_store::people::iso;
    json!({
        "id": s.id, "token": s.token, "userId": s.user_id,
        "expiresAt": iso(s.expires_at), "createdAt": iso(s.created_at), "updatedAt": iso(s.updated_at),
        "ipAddress": s.ip_address, "userAgent": s.user_agent,
    })
}

/// The session of the request's cookie, when it is signed by one of the secrets and
/// alive in the store.
pub async fn current(req: &Request, ctx: &Ctx) -> Result<Option<(Session, Person)>, ApiError> {
    let secrets = secrets(ctx)?;
    let name = cookie_name(secure(req), None);
    let Some(cookies) = header(req, "cookie") else {
        return Ok(None);
    };
    let Some(value) = single_cookie_value(&cookies, &name) else {
        return Ok(None);
    };
    let keys: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let Some(token) = verify_session_cookie(value, &keys) else {
        return Ok(None);
    };
    ctx.store()?
        .session(&token, crate::env::now_ms())
        .await
        .map_err(ApiError::unavailable)
}

/// The `Set-Cookie` value that carries `session` (signed with the current secret), for
/// as long as the session lives.
pub fn session_cookie(req: &Request, session: &Session, secret: &str) -> String {
    let secure = secure(req);
    let value = sign_session_cookie(&session.token, secret);
    let max_age = ((session.expires_at - session.created_at) / 1000).max(0) as u64;
    set_cookie_header(&cookie_name(secure, None), &value, max_age, secure)
}

/// Record a sign-in or sign-out in the audit log (who, from where); a failure to write
/// it is logged and does not undo the session change.
pub async fn audit_session(ctx: &Ctx, what: &str, person: &Person, via: &str) {
    let Ok(store) = ctx.store() else { return };
    let input = json!({"by": person.email, "user": person.id, "via": via});
    if let Err(e) = support_workflows::people::audit(
        store.as_ref(),
        what,
        input,
        json!({}),
        crate::env::now_ms(),
    )
    .await
    {
        worker::console_warn!("could not audit {what}: {e}");
    }
}

/// Who is signing in, as the throttle and the session record see them.
pub fn origin_of(req: &Request) -> Origin {
    Origin {
        address: header(req, "cf-connecting-ip"),
        user_agent: header(req, "user-agent"),
    }
}

/// The `Set-Cookie` value that ends the session cookie.
pub fn cleared_cookie(req: &Request) -> String {
    let secure = secure(req);
    clear_cookie_header(&cookie_name(secure, None), secure)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInBody {
    email: String,
    password: String,
    #[serde(default)]
    #[allow(dead_code)] // accepted as BetterAuth's clients send it; sessions last 7 days
    remember_me: Option<bool>,
}

pub async fn sign_in_email(mut req: Request, ctx: Ctx) -> ApiResult {
    let secrets = secrets(&ctx)?;
    same_origin(&req)?;
    transport_ok(&req)?;
    let body = read_body(&mut req, MAX_BODY_BYTES).await?;
    let body: SignInBody = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("expected {\"email\", \"password\"}"))?;
    let origin = origin_of(&req);
    let store = ctx.store()?;
    match sign_in(
        store.as_ref(),
        &body.email,
        &body.password,
        &origin,
        crate::env::now_ms(),
    )
    .await
    {
        Ok((session, person)) => {
            audit_session(&ctx, "signed in", &person, "api").await;
            let mut response = Response::from_json(&json!({
                "redirect": false, "token": session.token, "user": user_json(&person),
            }))?;
            response
                .headers_mut()
                .set("Set-Cookie", &session_cookie(&req, &session, &secrets[0]))?;
            Ok(response)
        }
        Err(SignInError::Invalid) => Ok(Response::from_json(&json!({
            "code": "INVALID_EMAIL_OR_PASSWORD", "message": "Invalid email or password",
        }))?
        .with_status(401)),
        Err(SignInError::Throttled { retry_after_secs }) => {
            let mut response = Response::from_json(&json!({
                "message": "Too many failed sign-ins. Try again later.",
            }))?
            .with_status(429);
            response
                .headers_mut()
                .set("Retry-After", &retry_after_secs.to_string())?;
            Ok(response)
        }
        Err(SignInError::Unavailable(cause)) => Err(ApiError::unavailable(cause)),
    }
}

pub async fn get_session(req: Request, ctx: Ctx) -> ApiResult {
    match current(&req, &ctx).await? {
        Some((session, person)) => json(
            200,
            &json!({"session": session_json(&session), "user": user_json(&person)}),
        ),
        None => json(200, &Value::Null),
    }
}

pub async fn sign_out(req: Request, ctx: Ctx) -> ApiResult {
    same_origin(&req)?;
    if let Some((session, person)) = current(&req, &ctx).await? {
        ctx.store()?
            .end_session(&session.token)
            .await
            .map_err(ApiError::unavailable)?;
        audit_session(&ctx, "signed out", &person, "api").await;
    }
    let mut response = Response::from_json(&json!({"success": true}))?;
    response
        .headers_mut()
        .set("Set-Cookie", &cleared_cookie(&req))?;
    Ok(response)
}
