//! Accounts over HTTP: registration, e-mail verification, sign-in with an optional second
//! factor, rotating refresh tokens, sign-out, password reset, TOTP enrolment, the account's own
//! data (sessions, audit trail, GDPR export and erasure) and the admin routes; plus the
//! [`gate`] middleware that authenticates bearer tokens and applies the rate limits on every
//! `/v1` route.
//!
//! The analytics routes (`/v1/{module}/{name}`) and the catalogue stay open to anonymous callers,
//! limited per client address; a caller who sends a token is limited per user by tier instead
//! (and a bad token is a 401, never a silent downgrade to anonymous).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::{check_json_content_type, now_unix, AppState};
use crate::auth::{self, sha256_hex};
use crate::error::ApiError;
use crate::mailer::Mail;
use crate::store::{AuditEntry, Session, Spend, User};

/// Largest accepted body on the accounts routes (413 above).
pub const ACCOUNTS_BODY_LIMIT: usize = 16 * 1024;
/// The tiers, lowest first.
pub const TIERS: [&str; 4] = ["explorer", "pro", "enterprise", "admin"];

/// Who is calling, from where; set by [`gate`] on every `/v1` request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Client address (the socket peer, or `X-Forwarded-For`'s first entry when trusted).
    pub ip: String,
    /// `User-Agent`, at most 256 characters.
    pub user_agent: String,
    /// The signed-in user, when a valid bearer token was sent.
    pub principal: Option<Principal>,
}

/// A signed-in user and the session its token belongs to.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user as stored now (tier included).
    pub user: User,
    /// The session (refresh-token family) of the access token.
    pub session_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| ApiError::Internal("the request did not pass the gate".into()))
    }
}

/// A signed-in caller (401 otherwise).
#[derive(Debug, Clone)]
pub struct Authed(pub Ctx, pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Authed {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match ctx.principal.clone() {
            Some(p) => Ok(Self(ctx, p)),
            None => Err(ApiError::Unauthorized {
                code: "UNAUTHENTICATED",
                message: "sign in first: send `Authorization: Bearer <access token>`".into(),
            }),
        }
    }
}

/// A signed-in caller of the admin tier (401 or 403 otherwise).
#[derive(Debug, Clone)]
pub struct Admin(pub Ctx, pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Authed(ctx, p) = Authed::from_request_parts(parts, state).await?;
        if p.user.tier == "admin" {
            Ok(Self(ctx, p))
        } else {
            Err(ApiError::Forbidden(format!(
                "this route needs the admin tier; the account's tier is {}",
                p.user.tier
            )))
        }
    }
}

/// A JSON body with the server's error mapping (415, 413, 400, 422) and unknown fields refused.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        check_json_content_type(req.headers())?;
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit: ACCOUNTS_BODY_LIMIT }
            } else {
                ApiError::BadBody(e.body_text())
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            if e.is_data() {
                ApiError::InvalidBody(e.to_string())
            } else {
                ApiError::MalformedJson(e.to_string())
            }
        })
    }
}

/// Query parameters with the server's error mapping (422).
#[derive(Debug)]
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Q(q))
            .map_err(|e| ApiError::InvalidBody(e.body_text()))
    }
}

// --- the gate -----------------------------------------------------------------------------------

fn client_ip(req: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for {
        let fwd = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
        if let Some(first) = fwd.and_then(|v| v.split(',').next()) {
            let first = first.trim();
            if first.parse::<std::net::IpAddr>().is_ok() {
                return first.to_owned();
            }
        }
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string())
}

fn is_credential_route(path: &str) -> bool {
    matches!(
        path,
        "/v1/auth/register"
            | "/v1/auth/login"
            | "/v1/auth/refresh"
            | "/v1/auth/verify-email"
            | "/v1/auth/password-reset/request"
            | "/v1/auth/password-reset/confirm"
    )
}

fn invalid_token(message: &str) -> ApiError {
    ApiError::Unauthorized { code: "INVALID_TOKEN", message: message.to_owned() }
}

pub(crate) async fn authenticate(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<Principal>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let text =
        value.to_str().map_err(|_| invalid_token("the Authorization header is not ASCII"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invalid_token("expected `Authorization: Bearer <access token>`"))?;
    let claims = app.tokens.verify(token, now_unix()).map_err(|e| {
        tracing::info!(reason = %e, "access token refused");
        invalid_token("the access token is invalid or expired")
    })?;
    let user = app
        .store
        .user_by_id(&claims.sub)
        .await?
        .ok_or_else(|| invalid_token("the account of this token no longer exists"))?;
    let live = app
        .store
        .session(&claims.sid)
        .await?
        .is_some_and(|s| s.user_id == user.id && s.revoked_at.is_none());
    if !live {
        return Err(invalid_token("this session was signed out or revoked; sign in again"));
    }
    Ok(Some(Principal { user, session_id: claims.sid }))
}

/// Authenticates the bearer token (if any), applies the rate limits and records who is calling
/// for the handlers.
pub async fn gate(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req, app.options.auth.trust_forwarded_for);
    let user_agent: String = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(256)
        .collect();
    let limits = app.options.auth.rate_limits;
    let limiter = &app.options.auth.limiter;
    let principal = match authenticate(&app, req.headers()).await {
        Ok(p) => p,
        Err(e) => {
            // Failed authentication still spends the address's anonymous allowance.
            if let Err(retry_after) = limiter.check(&format!("ip:{ip}"), limits.anonymous).await {
                return ApiError::RateLimited { limit: limits.anonymous, retry_after }
                    .into_response();
            }
            return e.into_response();
        }
    };
    let mut checks = Vec::with_capacity(3);
    match &principal {
        Some(p) => {
            checks.push((format!("user:{}", p.user.id), limits.for_tier(&p.user.tier)));
            checks.push((format!("ip-signed-in:{ip}"), limits.per_ip_signed_in));
        }
        None => checks.push((format!("ip:{ip}"), limits.anonymous)),
    }
    if is_credential_route(req.uri().path()) {
        checks.push((format!("auth-ip:{ip}"), limits.auth_per_ip));
    }
    for (key, limit) in checks {
        if let Err(retry_after) = limiter.check(&key, limit).await {
            return ApiError::RateLimited { limit, retry_after }.into_response();
        }
    }
    req.extensions_mut().insert(Ctx { ip, user_agent, principal });
    next.run(req).await
}

// --- helpers ------------------------------------------------------------------------------------

pub(crate) async fn audit(
    app: &AppState,
    ctx: &Ctx,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    let entry = AuditEntry {
        id: 0,
        at: now_unix(),
        actor: actor.map(str::to_owned),
        action: action.to_owned(),
        target: target.map(str::to_owned),
        ip: Some(ctx.ip.clone()),
        user_agent: Some(ctx.user_agent.clone()),
        detail: detail.to_string(),
    };
    app.store.append_audit(&entry).await?;
    Ok(())
}

/// Trims and lower-cases an address; 422 unless it looks like `local@domain.tld` in printable
/// ASCII of at most 254 characters.
fn normalise_email(raw: &str) -> Result<String, ApiError> {
    let bad = |reason: &str| ApiError::InvalidField { field: "email", reason: reason.to_owned() };
    let email = raw.trim().to_ascii_lowercase();
    if email.is_empty() || email.len() > 254 {
        return Err(bad("must be 1 to 254 characters"));
    }
    if !email.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("must be printable ASCII without spaces"));
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(bad("must look like name@example.com"));
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if local.is_empty() || local.len() > 64 || !domain_ok {
        return Err(bad("must look like name@example.com"));
    }
    Ok(email)
}

fn check_password(field: &'static str, password: &str) -> Result<(), ApiError> {
    let n = password.chars().count();
    if !(auth::PASSWORD_MIN..=auth::PASSWORD_MAX).contains(&n) {
        return Err(ApiError::InvalidField {
            field,
            reason: format!(
                "must be {} to {} characters, got {n}",
                auth::PASSWORD_MIN,
                auth::PASSWORD_MAX
            ),
        });
    }
    if password.chars().any(char::is_control) {
        return Err(ApiError::InvalidField {
            field,
            reason: "must not contain control characters".into(),
        });
    }
    Ok(())
}

async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::Internal)
}

async fn password_matches(password: String, phc: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || auth::verify_password(&password, &phc))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

fn invalid_credentials() -> ApiError {
    ApiError::Unauthorized {
        code: "INVALID_CREDENTIALS",
        message: "the e-mail address or the password is wrong".into(),
    }
}

/// Counts a failed attempt against `user`; the error to return (locked or the given one).
async fn failed_attempt(
    app: &AppState,
    ctx: &Ctx,
    user: &User,
    reason: &str,
    err: ApiError,
) -> ApiError {
    let now = now_unix();
    let max = i64::from(app.options.auth.max_failed_logins.max(1));
    let lock = i64::try_from(app.options.auth.lockout.as_secs()).unwrap_or(i64::MAX);
    let locked_until = match app.store.login_failed(&user.id, now, max, lock).await {
        Ok(t) => t,
        Err(e) => return e.into(),
    };
    let locked = locked_until > now;
    let action = if locked { "auth.lockout" } else { "auth.login_failed" };
    if let Err(e) = audit(app, ctx, None, action, Some(&user.id), json!({"reason": reason})).await {
        return e;
    }
    if locked {
        ApiError::AccountLocked { retry_after: u64::try_from(locked_until - now).unwrap_or(1) }
    } else {
        err
    }
}

fn locked(user: &User, now: i64) -> Option<ApiError> {
    (user.locked_until > now).then(|| ApiError::AccountLocked {
        retry_after: u64::try_from(user.locked_until - now).unwrap_or(1),
    })
}

/// Checks the second factor of `user`: a TOTP code (replays refused) or a recovery code.
async fn second_factor(
    app: &AppState,
    ctx: &Ctx,
    user: &User,
    totp_code: Option<&str>,
    recovery_code: Option<&str>,
) -> Result<(), ApiError> {
    let now = now_unix();
    if let Some(code) = totp_code {
        let secret = user.totp_secret.as_deref().and_then(auth::base32_decode).unwrap_or_default();
        let bad = ApiError::Unauthorized {
            code: "INVALID_TOTP",
            message: "the authentication code is wrong, expired or already used".into(),
        };
        let Some(step) = auth::totp_match(&secret, code.trim(), now) else {
            return Err(failed_attempt(app, ctx, user, "totp", bad).await);
        };
        if !app.store.claim_totp_step(&user.id, step).await? {
            return Err(failed_attempt(app, ctx, user, "totp_replay", bad).await);
        }
        return Ok(());
    }
    if let Some(code) = recovery_code {
        if app.store.use_recovery_code(&user.id, &auth::recovery_hash(code), now).await? {
            audit(app, ctx, Some(&user.id), "2fa.recovery_code_used", None, json!({})).await?;
            return Ok(());
        }
        let bad = ApiError::Unauthorized {
            code: "INVALID_TOTP",
            message: "the recovery code is wrong or already used".into(),
        };
        return Err(failed_attempt(app, ctx, user, "recovery_code", bad).await);
    }
    Err(ApiError::Unauthorized {
        code: "TOTP_REQUIRED",
        message: "this account has two-factor authentication: send `totp_code` (or a \
                  `recovery_code`) with the e-mail address and password"
            .into(),
    })
}

/// The tokens a sign-in or a refresh returns.
#[derive(Debug, Serialize)]
struct TokenPair {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    refresh_token: String,
    refresh_expires_in: i64,
}

async fn new_refresh(app: &AppState, session: &Session) -> Result<String, ApiError> {
    let token = auth::random_token();
    let now = now_unix();
    app.store
        .put_refresh(&crate::store::RefreshToken {
            hash: sha256_hex(&token),
            session_id: session.id.clone(),
            user_id: session.user_id.clone(),
            created_at: now,
            expires_at: now + auth::REFRESH_TTL,
            used_at: None,
        })
        .await?;
    Ok(token)
}

fn pair(
    app: &AppState,
    user: &User,
    session_id: &str,
    refresh: String,
) -> Result<TokenPair, ApiError> {
    let access = app
        .tokens
        .issue(&user.id, session_id, &user.tier, now_unix())
        .map_err(ApiError::Internal)?;
    Ok(TokenPair {
        access_token: access,
        token_type: "Bearer",
        expires_in: app.tokens.ttl(),
        refresh_token: refresh,
        refresh_expires_in: auth::REFRESH_TTL,
    })
}

async fn send_mail(app: &AppState, mail: Mail) {
    if let Err(e) = app.options.auth.mailer.send(mail).await {
        tracing::warn!(error = %e, "sending mail failed");
    }
}

fn accepted(status: &str, message: &str) -> Response {
    (StatusCode::ACCEPTED, Json(json!({"status": status, "message": message}))).into_response()
}

// --- auth routes --------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterReq {
    email: String,
    password: String,
}

async fn register(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<RegisterReq>,
) -> Result<Response, ApiError> {
    let email = normalise_email(&req.email)?;
    check_password("password", &req.password)?;
    if req.password.eq_ignore_ascii_case(&email) {
        return Err(ApiError::InvalidField {
            field: "password",
            reason: "must not be the e-mail address".into(),
        });
    }
    // Hashed before looking the address up: both outcomes cost the same time.
    let hash = hash_password(req.password).await?;
    let now = now_unix();
    let user = User {
        id: auth::random_id(),
        email: email.clone(),
        password_hash: hash,
        tier: "explorer".into(),
        email_verified: false,
        totp_secret: None,
        totp_enabled: false,
        totp_last_step: 0,
        failed_logins: 0,
        locked_until: 0,
        created_at: now,
    };
    if app.store.create_user(&user).await? {
        let token = auth::random_token();
        app.store
            .put_one_time(
                &sha256_hex(&token),
                &user.id,
                "verify_email",
                now,
                now + auth::VERIFY_TTL,
            )
            .await?;
        audit(&app, &ctx, Some(&user.id), "account.register", Some(&user.id), json!({})).await?;
        send_mail(
            &app,
            Mail {
                to: email,
                subject: "Sextant: confirm your e-mail address".into(),
                body: format!(
                    "Confirm the address with POST /v1/auth/verify-email {{\"token\": \"{token}\"}} \
                     within 24 hours."
                ),
                token: Some(token),
            },
        )
        .await;
    } else if let Some(existing) = app.store.user_by_email(&email).await? {
        // The same answer as for a new address (no account enumeration); the owner is told.
        audit(&app, &ctx, None, "account.register_existing", Some(&existing.id), json!({})).await?;
        send_mail(
            &app,
            Mail {
                to: email,
                subject: "Sextant: sign-up attempt with your address".into(),
                body: "Someone tried to create an account with this address, which already has \
                       one. If it was you, sign in or reset your password."
                    .into(),
                token: None,
            },
        )
        .await;
    }
    Ok(accepted(
        "pending_verification",
        "if the address can be registered, a verification e-mail is on its way",
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenReq {
    token: String,
}

async fn verify_email(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<TokenReq>,
) -> Result<Response, ApiError> {
    let Some(uid) =
        app.store.take_one_time(&sha256_hex(&req.token), "verify_email", now_unix()).await?
    else {
        return Err(ApiError::BadToken("verification"));
    };
    app.store.set_email_verified(&uid).await?;
    audit(&app, &ctx, Some(&uid), "account.verify_email", Some(&uid), json!({})).await?;
    Ok(Json(json!({"status": "verified"})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginReq {
    email: String,
    password: String,
    #[serde(default)]
    totp_code: Option<String>,
    #[serde(default)]
    recovery_code: Option<String>,
}

async fn login(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<LoginReq>,
) -> Result<Response, ApiError> {
    let now = now_unix();
    let user = match normalise_email(&req.email) {
        Ok(email) if req.password.chars().count() <= auth::PASSWORD_MAX => {
            app.store.user_by_email(&email).await?
        }
        _ => None,
    };
    let Some(user) = user else {
        // The same work as a wrong password: no timing difference for unknown addresses.
        let password = req.password;
        tokio::task::spawn_blocking(move || auth::verify_password(&password, auth::dummy_hash()))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        audit(&app, &ctx, None, "auth.login_failed", None, json!({"reason": "unknown_account"}))
            .await?;
        return Err(invalid_credentials());
    };
    if let Some(e) = locked(&user, now) {
        audit(&app, &ctx, None, "auth.login_refused_locked", Some(&user.id), json!({})).await?;
        return Err(e);
    }
    if !password_matches(req.password, user.password_hash.clone()).await? {
        return Err(failed_attempt(&app, &ctx, &user, "password", invalid_credentials()).await);
    }
    if user.totp_enabled {
        second_factor(&app, &ctx, &user, req.totp_code.as_deref(), req.recovery_code.as_deref())
            .await?;
    }
    app.store.login_succeeded(&user.id).await?;
    let session = Session {
        id: auth::random_id(),
        user_id: user.id.clone(),
        created_at: now,
        revoked_at: None,
        ip: ctx.ip.clone(),
        user_agent: ctx.user_agent.clone(),
    };
    app.store.create_session(&session).await?;
    let refresh = new_refresh(&app, &session).await?;
    audit(
        &app,
        &ctx,
        Some(&user.id),
        "auth.login",
        Some(&session.id),
        json!({"second_factor": user.totp_enabled}),
    )
    .await?;
    Ok(Json(pair(&app, &user, &session.id, refresh)?).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshReq {
    refresh_token: String,
}

async fn refresh(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<RefreshReq>,
) -> Result<Response, ApiError> {
    let now = now_unix();
    let t = match app.store.spend_refresh(&sha256_hex(&req.refresh_token), now).await? {
        Spend::Unknown => return Err(invalid_token("the refresh token is invalid")),
        Spend::Reused(t) => {
            // A spent token presented again: it leaked. Revoke the whole family.
            app.store.revoke_session(&t.user_id, &t.session_id, now).await?;
            audit(
                &app,
                &ctx,
                Some(&t.user_id),
                "auth.refresh_reuse",
                Some(&t.session_id),
                json!({}),
            )
            .await?;
            return Err(ApiError::Unauthorized {
                code: "REFRESH_TOKEN_REUSED",
                message: "this refresh token was already used: its session is revoked; sign in \
                          again"
                    .into(),
            });
        }
        Spend::Fresh(t) => t,
    };
    if t.expires_at <= now {
        return Err(invalid_token("the refresh token has expired; sign in again"));
    }
    let session =
        app.store.session(&t.session_id).await?.filter(|s| s.revoked_at.is_none()).ok_or_else(
            || invalid_token("this session was signed out or revoked; sign in again"),
        )?;
    let user = app
        .store
        .user_by_id(&t.user_id)
        .await?
        .ok_or_else(|| invalid_token("the account no longer exists"))?;
    let next = new_refresh(&app, &session).await?;
    audit(&app, &ctx, Some(&user.id), "auth.refresh", Some(&session.id), json!({})).await?;
    Ok(Json(pair(&app, &user, &session.id, next)?).into_response())
}

async fn logout(State(app): State<AppState>, Authed(ctx, p): Authed) -> Result<Response, ApiError> {
    app.store.revoke_session(&p.user.id, &p.session_id, now_unix()).await?;
    audit(&app, &ctx, Some(&p.user.id), "auth.logout", Some(&p.session_id), json!({})).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn logout_all(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
) -> Result<Response, ApiError> {
    let n = app.store.revoke_sessions_of(&p.user.id, now_unix()).await?;
    audit(&app, &ctx, Some(&p.user.id), "auth.logout_all", Some(&p.user.id), json!({"revoked": n}))
        .await?;
    Ok(Json(json!({"revoked": n})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EmailReq {
    email: String,
}

async fn reset_request(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<EmailReq>,
) -> Result<Response, ApiError> {
    let email = normalise_email(&req.email)?;
    if let Some(user) = app.store.user_by_email(&email).await? {
        let now = now_unix();
        let token = auth::random_token();
        app.store
            .put_one_time(
                &sha256_hex(&token),
                &user.id,
                "reset_password",
                now,
                now + auth::RESET_TTL,
            )
            .await?;
        audit(&app, &ctx, None, "auth.password_reset_requested", Some(&user.id), json!({})).await?;
        send_mail(
            &app,
            Mail {
                to: email,
                subject: "Sextant: reset your password".into(),
                body: format!(
                    "Set a new password with POST /v1/auth/password-reset/confirm \
                     {{\"token\": \"{token}\", \"new_password\": \"...\"}} within 1 hour. If you \
                     did not ask for this, ignore this message."
                ),
                token: Some(token),
            },
        )
        .await;
    }
    Ok(accepted("reset_sent", "if an account has this address, a reset e-mail is on its way"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetConfirmReq {
    token: String,
    new_password: String,
}

async fn reset_confirm(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(req): JsonBody<ResetConfirmReq>,
) -> Result<Response, ApiError> {
    check_password("new_password", &req.new_password)?;
    let now = now_unix();
    let Some(uid) = app.store.take_one_time(&sha256_hex(&req.token), "reset_password", now).await?
    else {
        return Err(ApiError::BadToken("password reset"));
    };
    let hash = hash_password(req.new_password).await?;
    app.store.set_password(&uid, &hash).await?;
    let n = app.store.revoke_sessions_of(&uid, now).await?;
    audit(
        &app,
        &ctx,
        Some(&uid),
        "auth.password_reset",
        Some(&uid),
        json!({"sessions_revoked": n}),
    )
    .await?;
    Ok(Json(json!({"status": "password_changed", "sessions_revoked": n})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordReq {
    password: String,
}

async fn require_password(
    app: &AppState,
    ctx: &Ctx,
    user: &User,
    password: String,
) -> Result<(), ApiError> {
    if let Some(e) = locked(user, now_unix()) {
        return Err(e);
    }
    if password.chars().count() > auth::PASSWORD_MAX
        || !password_matches(password, user.password_hash.clone()).await?
    {
        let err = ApiError::Unauthorized {
            code: "INVALID_CREDENTIALS",
            message: "the password is wrong".into(),
        };
        return Err(failed_attempt(app, ctx, user, "password", err).await);
    }
    Ok(())
}

async fn totp_setup(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    JsonBody(req): JsonBody<PasswordReq>,
) -> Result<Response, ApiError> {
    require_password(&app, &ctx, &p.user, req.password).await?;
    if p.user.totp_enabled {
        return Err(ApiError::Conflict(
            "two-factor authentication is already enabled; disable it first".into(),
        ));
    }
    let secret = auth::base32_encode(&auth::random_bytes::<20>());
    app.store.set_totp(&p.user.id, Some(&secret), false).await?;
    audit(&app, &ctx, Some(&p.user.id), "2fa.setup", Some(&p.user.id), json!({})).await?;
    let uri = auth::provisioning_uri(&app.options.auth.issuer, &p.user.email, &secret);
    Ok(Json(json!({"secret": secret, "otpauth_uri": uri})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeReq {
    code: String,
}

async fn totp_enable(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    JsonBody(req): JsonBody<CodeReq>,
) -> Result<Response, ApiError> {
    let user = &p.user;
    let secret = match (&user.totp_secret, user.totp_enabled) {
        (_, true) => {
            return Err(ApiError::Conflict("two-factor authentication is already enabled".into()))
        }
        (None, false) => {
            return Err(ApiError::Conflict("start with POST /v1/auth/2fa/setup".into()));
        }
        (Some(s), false) => auth::base32_decode(s).unwrap_or_default(),
    };
    let bad = || ApiError::InvalidField {
        field: "code",
        reason: "does not match the current 6-digit code of the authenticator".into(),
    };
    let step = auth::totp_match(&secret, req.code.trim(), now_unix()).ok_or_else(bad)?;
    if !app.store.claim_totp_step(&user.id, step).await? {
        return Err(bad());
    }
    let codes = auth::recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| auth::recovery_hash(c)).collect();
    app.store.set_recovery_codes(&user.id, &hashes).await?;
    app.store.set_totp(&user.id, user.totp_secret.as_deref(), true).await?;
    audit(&app, &ctx, Some(&user.id), "2fa.enable", Some(&user.id), json!({})).await?;
    Ok(Json(json!({"enabled": true, "recovery_codes": codes})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DisableReq {
    password: String,
    #[serde(default)]
    totp_code: Option<String>,
    #[serde(default)]
    recovery_code: Option<String>,
}

async fn totp_disable(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    JsonBody(req): JsonBody<DisableReq>,
) -> Result<Response, ApiError> {
    if !p.user.totp_enabled {
        return Err(ApiError::Conflict("two-factor authentication is not enabled".into()));
    }
    require_password(&app, &ctx, &p.user, req.password).await?;
    second_factor(&app, &ctx, &p.user, req.totp_code.as_deref(), req.recovery_code.as_deref())
        .await?;
    app.store.set_totp(&p.user.id, None, false).await?;
    app.store.set_recovery_codes(&p.user.id, &[]).await?;
    audit(&app, &ctx, Some(&p.user.id), "2fa.disable", Some(&p.user.id), json!({})).await?;
    Ok(Json(json!({"enabled": false})).into_response())
}

// --- the account's own data ---------------------------------------------------------------------

async fn account_json(app: &AppState, u: &User) -> Result<serde_json::Value, ApiError> {
    let left = app.store.recovery_codes_left(&u.id).await?;
    Ok(json!({
        "id": u.id, "email": u.email, "tier": u.tier, "email_verified": u.email_verified,
        "totp_enabled": u.totp_enabled, "recovery_codes_left": left, "created_at": u.created_at,
    }))
}

fn session_json(s: &Session, current: &str) -> serde_json::Value {
    json!({"id": s.id, "created_at": s.created_at, "revoked_at": s.revoked_at, "ip": s.ip,
           "user_agent": s.user_agent, "current": s.id == current})
}

async fn me(State(app): State<AppState>, Authed(_, p): Authed) -> Result<Response, ApiError> {
    Ok(Json(account_json(&app, &p.user).await?).into_response())
}

async fn sessions(State(app): State<AppState>, Authed(_, p): Authed) -> Result<Response, ApiError> {
    let list = app.store.sessions_of(&p.user.id).await?;
    let items: Vec<_> = list.iter().map(|s| session_json(s, &p.session_id)).collect();
    Ok(Json(json!({"sessions": items})).into_response())
}

async fn revoke_session(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    // Scoped to the caller: another user's session id is indistinguishable from none.
    if !app.store.revoke_session(&p.user.id, &id, now_unix()).await? {
        return Err(ApiError::NoSuchResource("live session of yours"));
    }
    audit(&app, &ctx, Some(&p.user.id), "auth.session_revoked", Some(&id), json!({})).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

/// `?limit=` only (the audit routes).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Limit {
    #[serde(default)]
    limit: Option<i64>,
}

impl Limit {
    fn limit(&self) -> Result<i64, ApiError> {
        Page { limit: self.limit, offset: None }.limit()
    }
}

impl Page {
    fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(100),
            Some(n) if (1..=1000).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::InvalidField {
                field: "limit",
                reason: format!("must be in [1, 1000], got {n}"),
            }),
        }
    }
    fn offset(&self) -> Result<i64, ApiError> {
        match self.offset {
            None => Ok(0),
            Some(n) if (0..=1_000_000_000).contains(&n) => Ok(n),
            Some(n) => Err(ApiError::InvalidField {
                field: "offset",
                reason: format!("must be in [0, 1000000000], got {n}"),
            }),
        }
    }
}

fn audit_json(e: &AuditEntry) -> serde_json::Value {
    let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_else(|_| json!({}));
    json!({"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "target": e.target,
           "ip": e.ip, "user_agent": e.user_agent, "detail": detail})
}

async fn my_audit(
    State(app): State<AppState>,
    Authed(_, p): Authed,
    Q(page): Q<Limit>,
) -> Result<Response, ApiError> {
    let entries = app.store.audit(Some(&p.user.id), page.limit()?).await?;
    Ok(Json(json!({"entries": entries.iter().map(audit_json).collect::<Vec<_>>()})).into_response())
}

async fn export(State(app): State<AppState>, Authed(ctx, p): Authed) -> Result<Response, ApiError> {
    audit(&app, &ctx, Some(&p.user.id), "account.export", Some(&p.user.id), json!({})).await?;
    let sessions = app.store.sessions_of(&p.user.id).await?;
    let entries = app.store.audit(Some(&p.user.id), 100_000).await?;
    Ok(Json(json!({
        "exported_at": now_unix(),
        "account": account_json(&app, &p.user).await?,
        "sessions": sessions.iter().map(|s| session_json(s, &p.session_id)).collect::<Vec<_>>(),
        "audit": entries.iter().map(audit_json).collect::<Vec<_>>(),
        "portfolios": crate::portfolios::export_of(&app, &p.user.id).await?,
        "jobs": crate::jobs::export_of(&app, &p.user.id).await?,
        "autoindex_strategies": crate::autoindex::export_of(&app, &p.user.id).await?,
    }))
    .into_response())
}

/// What a deleted user's id becomes in the audit log.
#[must_use]
pub fn pseudonym(user_id: &str) -> String {
    format!("deleted:{}", &sha256_hex(user_id)[..16])
}

async fn delete_account(
    State(app): State<AppState>,
    Authed(ctx, p): Authed,
    JsonBody(req): JsonBody<PasswordReq>,
) -> Result<Response, ApiError> {
    require_password(&app, &ctx, &p.user, req.password).await?;
    audit(&app, &ctx, Some(&p.user.id), "account.delete", Some(&p.user.id), json!({})).await?;
    app.store.delete_user(&p.user.id, &pseudonym(&p.user.id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// --- admin --------------------------------------------------------------------------------------

fn admin_user_json(u: &User, now: i64) -> serde_json::Value {
    json!({"id": u.id, "email": u.email, "tier": u.tier, "email_verified": u.email_verified,
           "totp_enabled": u.totp_enabled, "locked": u.locked_until > now,
           "created_at": u.created_at})
}

async fn admin_users(
    State(app): State<AppState>,
    Admin(..): Admin,
    Q(page): Q<Page>,
) -> Result<Response, ApiError> {
    let users = app.store.list_users(page.limit()?, page.offset()?).await?;
    let now = now_unix();
    Ok(Json(json!({"users": users.iter().map(|u| admin_user_json(u, now)).collect::<Vec<_>>()}))
        .into_response())
}

async fn admin_user(
    State(app): State<AppState>,
    Admin(..): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let u = app.store.user_by_id(&id).await?.ok_or(ApiError::NoSuchResource("user"))?;
    Ok(Json(admin_user_json(&u, now_unix())).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierReq {
    tier: String,
}

async fn admin_set_tier(
    State(app): State<AppState>,
    Admin(ctx, p): Admin,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<TierReq>,
) -> Result<Response, ApiError> {
    if !TIERS.contains(&req.tier.as_str()) {
        return Err(ApiError::InvalidField {
            field: "tier",
            reason: format!("must be one of {}", TIERS.join(", ")),
        });
    }
    let u = app.store.user_by_id(&id).await?.ok_or(ApiError::NoSuchResource("user"))?;
    if u.id == p.user.id && req.tier != u.tier {
        // an admin cannot demote itself: the last admin would lock everyone out
        return Err(ApiError::Conflict(
            "an admin cannot change its own tier; ask another admin".into(),
        ));
    }
    app.store.set_tier(&u.id, &req.tier).await?;
    audit(
        &app,
        &ctx,
        Some(&p.user.id),
        "admin.set_tier",
        Some(&u.id),
        json!({"from": u.tier, "to": req.tier}),
    )
    .await?;
    let mut out = u;
    out.tier = req.tier;
    Ok(Json(admin_user_json(&out, now_unix())).into_response())
}

async fn admin_audit(
    State(app): State<AppState>,
    Admin(..): Admin,
    Q(page): Q<Limit>,
) -> Result<Response, ApiError> {
    let entries = app.store.audit(None, page.limit()?).await?;
    Ok(Json(json!({"entries": entries.iter().map(audit_json).collect::<Vec<_>>()})).into_response())
}

/// The accounts routes (to be merged under the gate).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/register", post(register))
        .route("/v1/auth/verify-email", post(verify_email))
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/refresh", post(refresh))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/logout-all", post(logout_all))
        .route("/v1/auth/password-reset/request", post(reset_request))
        .route("/v1/auth/password-reset/confirm", post(reset_confirm))
        .route("/v1/auth/2fa/setup", post(totp_setup))
        .route("/v1/auth/2fa/enable", post(totp_enable))
        .route("/v1/auth/2fa/disable", post(totp_disable))
        .route("/v1/account", get(me))
        .route("/v1/account/sessions", get(sessions))
        .route("/v1/account/sessions/{id}", axum::routing::delete(revoke_session))
        .route("/v1/account/audit", get(my_audit))
        .route("/v1/account/export", get(export))
        .route("/v1/account/delete", post(delete_account))
        .route("/v1/admin/users", get(admin_users))
        .route("/v1/admin/users/{id}", get(admin_user))
        .route("/v1/admin/users/{id}/tier", put(admin_set_tier))
        .route("/v1/admin/audit", get(admin_audit))
        .layer(axum::extract::DefaultBodyLimit::max(ACCOUNTS_BODY_LIMIT))
}

/// Makes `email` an admin (the server's `--grant-admin`); false when no such account.
pub async fn grant_admin(store: &Arc<dyn crate::Store>, email: &str) -> Result<bool, ApiError> {
    let email = normalise_email(email)?;
    let Some(u) = store.user_by_email(&email).await? else { return Ok(false) };
    store.set_tier(&u.id, "admin").await?;
    let entry = AuditEntry {
        id: 0,
        at: now_unix(),
        actor: None,
        action: "admin.grant_admin_cli".into(),
        target: Some(u.id),
        ip: None,
        user_agent: None,
        detail: json!({"from": u.tier}).to_string(),
    };
    store.append_audit(&entry).await?;
    Ok(true)
}
