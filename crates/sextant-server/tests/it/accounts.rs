//! Accounts end to end: registration and verification, sign-in, rotating refresh tokens,
//! sign-out, password reset, TOTP enrolment and sign-in, tiers and admin routes, rate limits,
//! lockout, the audit trail, GDPR export and erasure. Runs on SQLite and PostgreSQL.

use reqwest::Method;
use serde_json::{json, Value as Json};
use sextant_server::auth::{base32_decode, hotp, totp_step};
use sextant_server::ratelimit::RateLimits;
use sextant_server::Options;

use crate::common::{assert_error, start, start_with, unique_key, TestServer};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// One request: status, `Retry-After` (if any) and the JSON body (`null` when empty).
pub(crate) async fn call(
    s: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Json>,
) -> (u16, Option<String>, Json) {
    let mut req = s.client.request(method, s.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Json::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    (status, retry, body)
}

pub(crate) async fn post(
    s: &TestServer,
    path: &str,
    token: Option<&str>,
    body: &Json,
) -> (u16, Json) {
    let (st, _, b) = call(s, Method::POST, path, token, Some(body)).await;
    (st, b)
}

pub(crate) async fn get(s: &TestServer, path: &str, token: Option<&str>) -> (u16, Json) {
    let (st, _, b) = call(s, Method::GET, path, token, None).await;
    (st, b)
}

/// A fresh address no other test (or earlier run on the same database) used.
pub(crate) fn email(tag: &str) -> String {
    format!("{}@example.com", unique_key(tag).to_ascii_lowercase())
}

/// Registers and verifies `email`; returns the user id.
pub(crate) async fn register(s: &TestServer, email: &str) -> String {
    let (st, body) =
        post(s, "/v1/auth/register", None, &json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(st, 202, "{body}");
    let token = s.mailer.last_token(email, "confirm").expect("verification mail");
    let (st, body) = post(s, "/v1/auth/verify-email", None, &json!({"token": token})).await;
    assert_eq!(st, 200, "{body}");
    s.store.user_by_email(email).await.unwrap().expect("stored").id
}

/// Signs in; returns the token pair body.
pub(crate) async fn login(s: &TestServer, email: &str) -> Json {
    let (st, body) =
        post(s, "/v1/auth/login", None, &json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(st, 200, "{body}");
    body
}

/// A registered, signed-in user: (email, id, access token, refresh token).
pub(crate) async fn user(s: &TestServer, tag: &str) -> (String, String, String, String) {
    let e = email(tag);
    let id = register(s, &e).await;
    let t = login(s, &e).await;
    (e, id, t["access_token"].as_str().unwrap().into(), t["refresh_token"].as_str().unwrap().into())
}

pub(crate) fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs(),
    )
    .unwrap()
}

/// The 6-digit code of `secret` at step `step`.
pub(crate) fn code_at(secret_b32: &str, step: i64) -> String {
    format!("{:06}", hotp(&base32_decode(secret_b32).unwrap(), u64::try_from(step).unwrap(), 6))
}

/// Enrols TOTP for a signed-in user; returns (secret, recovery codes, the step used to enable).
pub(crate) async fn enrol(s: &TestServer, access: &str) -> (String, Vec<String>, i64) {
    let (st, body) =
        post(s, "/v1/auth/2fa/setup", Some(access), &json!({"password": PASSWORD})).await;
    assert_eq!(st, 200, "{body}");
    let secret = body["secret"].as_str().unwrap().to_owned();
    let step = totp_step(now());
    let (st, body) =
        post(s, "/v1/auth/2fa/enable", Some(access), &json!({"code": code_at(&secret, step)}))
            .await;
    assert_eq!(st, 200, "{body}");
    let codes = body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes, step)
}

async fn actions_of(s: &TestServer, id: &str) -> Vec<String> {
    let mut a: Vec<String> =
        s.store.audit(Some(id), 1000).await.unwrap().into_iter().map(|e| e.action).collect();
    a.reverse();
    a
}

#[tokio::test]
async fn register_verify_login_refresh_logout() {
    let s = start().await;
    let e = email("flow");
    let (st, body) = post(
        &s,
        "/v1/auth/register",
        None,
        &json!({"email": e.to_uppercase(), "password": PASSWORD}),
    )
    .await;
    assert_eq!(st, 202, "{body}");
    let user = s.store.user_by_email(&e).await.unwrap().expect("lower-cased address stored");
    assert!(!user.email_verified);
    assert_eq!(user.tier, "explorer");
    assert!(user.password_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    let token = s.mailer.last_token(&e, "confirm").unwrap();
    assert_eq!(post(&s, "/v1/auth/verify-email", None, &json!({"token": token})).await.0, 200);
    // Single use.
    let (st, body) = post(&s, "/v1/auth/verify-email", None, &json!({"token": token})).await;
    assert_error(st, &body, 400, "INVALID_OR_EXPIRED_TOKEN", None);

    let t1 = login(&s, &e).await;
    assert_eq!(t1["token_type"], "Bearer");
    assert_eq!(t1["expires_in"], 900);
    assert_eq!(t1["refresh_expires_in"], 30 * 24 * 3600);
    let a1 = t1["access_token"].as_str().unwrap();
    let (st, me) = get(&s, "/v1/account", Some(a1)).await;
    assert_eq!(st, 200, "{me}");
    assert_eq!(me["email"], e.as_str());
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["tier"], "explorer");
    assert_eq!(me["totp_enabled"], false);

    // Rotation: the new pair works, the old refresh token is spent.
    let (st, t2) =
        post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": t1["refresh_token"]})).await;
    assert_eq!(st, 200, "{t2}");
    assert_ne!(t2["refresh_token"], t1["refresh_token"]);
    let a2 = t2["access_token"].as_str().unwrap();
    assert_eq!(get(&s, "/v1/account", Some(a2)).await.0, 200);

    // Sign-out revokes the session: its access and refresh tokens stop working.
    let (st, _, body) = call(&s, Method::POST, "/v1/auth/logout", Some(a2), None).await;
    assert_eq!(st, 204, "{body}");
    let (st, body) = get(&s, "/v1/account", Some(a2)).await;
    assert_error(st, &body, 401, "INVALID_TOKEN", Some("Authorization"));
    let (st, body) =
        post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": t2["refresh_token"]})).await;
    assert_eq!(st, 401, "{body}");

    let acts = actions_of(&s, &user.id).await;
    for want in
        ["account.register", "account.verify_email", "auth.login", "auth.refresh", "auth.logout"]
    {
        assert!(acts.iter().any(|a| a == want), "{want} missing from {acts:?}");
    }
}

#[tokio::test]
async fn an_existing_address_gets_the_same_answer() {
    let s = start().await;
    let e = email("dup");
    let (st1, b1) =
        post(&s, "/v1/auth/register", None, &json!({"email": e, "password": PASSWORD})).await;
    let (st2, b2) =
        post(&s, "/v1/auth/register", None, &json!({"email": e, "password": "another password 1"}))
            .await;
    assert_eq!((st1, st2), (202, 202));
    assert_eq!(b1, b2);
    let subjects: Vec<String> =
        s.mailer.sent().into_iter().filter(|m| m.to == e).map(|m| m.subject).collect();
    assert_eq!(subjects.len(), 2);
    assert!(subjects[1].contains("sign-up attempt"), "{subjects:?}");
    // The first password still holds.
    login(&s, &e).await;
}

#[tokio::test]
async fn weak_or_malformed_registrations_are_422() {
    let s = start().await;
    let cases = [
        (json!({"email": "not-an-address", "password": PASSWORD}), "email"),
        (json!({"email": "a b@example.com", "password": PASSWORD}), "email"),
        (json!({"email": email("short"), "password": "short"}), "password"),
        (json!({"email": email("long"), "password": "x".repeat(257)}), "password"),
    ];
    for (body, field) in cases {
        let (st, b) = post(&s, "/v1/auth/register", None, &body).await;
        assert_error(st, &b, 422, "INVALID_FIELD", Some(field));
    }
    let e = email("same");
    let (st, b) = post(&s, "/v1/auth/register", None, &json!({"email": e, "password": e})).await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("password"));
}

#[tokio::test]
async fn password_reset_is_single_use_and_signs_out_everywhere() {
    let s = start().await;
    let (e, _, access, _) = user(&s, "reset").await;
    let (st, unknown) =
        post(&s, "/v1/auth/password-reset/request", None, &json!({"email": email("nobody")})).await;
    assert_eq!(st, 202);
    let (st, known) = post(&s, "/v1/auth/password-reset/request", None, &json!({"email": e})).await;
    assert_eq!(st, 202);
    assert_eq!(unknown, known, "no account enumeration");
    let token = s.mailer.last_token(&e, "reset").unwrap();
    let (st, b) = post(
        &s,
        "/v1/auth/password-reset/confirm",
        None,
        &json!({"token": token, "new_password": "short"}),
    )
    .await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("new_password"));
    let new_pw = "a brand new passphrase";
    let (st, b) = post(
        &s,
        "/v1/auth/password-reset/confirm",
        None,
        &json!({"token": token, "new_password": new_pw}),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    assert_eq!(b["sessions_revoked"], 1);
    let (st, b) = post(
        &s,
        "/v1/auth/password-reset/confirm",
        None,
        &json!({"token": token, "new_password": "yet another passphrase"}),
    )
    .await;
    assert_error(st, &b, 400, "INVALID_OR_EXPIRED_TOKEN", None);
    assert_eq!(get(&s, "/v1/account", Some(&access)).await.0, 401);
    let (st, b) =
        post(&s, "/v1/auth/login", None, &json!({"email": e, "password": PASSWORD})).await;
    assert_error(st, &b, 401, "INVALID_CREDENTIALS", None);
    let (st, b) = post(&s, "/v1/auth/login", None, &json!({"email": e, "password": new_pw})).await;
    assert_eq!(st, 200, "{b}");
}

#[tokio::test]
async fn totp_enrolment_and_sign_in() {
    let s = start().await;
    let (e, id, access, _) = user(&s, "totp").await;
    let (st, b) =
        post(&s, "/v1/auth/2fa/setup", Some(&access), &json!({"password": "wrong password"})).await;
    assert_error(st, &b, 401, "INVALID_CREDENTIALS", None);
    let (st, b) =
        post(&s, "/v1/auth/2fa/setup", Some(&access), &json!({"password": PASSWORD})).await;
    assert_eq!(st, 200, "{b}");
    let secret = b["secret"].as_str().unwrap();
    assert_eq!(base32_decode(secret).unwrap().len(), 20);
    let uri = b["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/sextant:"), "{uri}");
    assert!(
        uri.contains(&format!("secret={secret}"))
            && uri.contains("period=30")
            && uri.contains("digits=6")
    );
    let step = totp_step(now());
    let wrong = format!("{:06}", (code_at(secret, step).parse::<u32>().unwrap() + 1) % 1_000_000);
    let (st, b) = post(&s, "/v1/auth/2fa/enable", Some(&access), &json!({"code": wrong})).await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("code"));
    let (st, b) =
        post(&s, "/v1/auth/2fa/enable", Some(&access), &json!({"code": code_at(secret, step)}))
            .await;
    assert_eq!(st, 200, "{b}");
    let codes: Vec<String> = b["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().into())
        .collect();
    assert_eq!(codes.len(), 10);

    let creds = json!({"email": e, "password": PASSWORD});
    let (st, b) = post(&s, "/v1/auth/login", None, &creds).await;
    assert_error(st, &b, 401, "TOTP_REQUIRED", None);
    // The enabling step is spent; the next one (inside the +-1 window) signs in once.
    let next = code_at(secret, step + 1);
    let with_code = json!({"email": e, "password": PASSWORD, "totp_code": next});
    assert_eq!(post(&s, "/v1/auth/login", None, &with_code).await.0, 200);
    let (st, b) = post(&s, "/v1/auth/login", None, &with_code).await;
    assert_error(st, &b, 401, "INVALID_TOTP", None);
    // A recovery code works once.
    let with_rc =
        json!({"email": e, "password": PASSWORD, "recovery_code": codes[3].to_uppercase()});
    let (st, t) = post(&s, "/v1/auth/login", None, &with_rc).await;
    assert_eq!(st, 200, "{t}");
    let (st, b) = post(&s, "/v1/auth/login", None, &with_rc).await;
    assert_error(st, &b, 401, "INVALID_TOTP", None);
    let a = t["access_token"].as_str().unwrap();
    assert_eq!(get(&s, "/v1/account", Some(a)).await.1["recovery_codes_left"], 9);
    let stored = s.store.user_by_id(&id).await.unwrap().unwrap();
    assert!(stored.totp_enabled);
    // Disabling needs the password and a second factor.
    let (st, b) = post(&s, "/v1/auth/2fa/disable", Some(a), &json!({"password": PASSWORD})).await;
    assert_error(st, &b, 401, "TOTP_REQUIRED", None);
    let (st, b) = post(
        &s,
        "/v1/auth/2fa/disable",
        Some(a),
        &json!({"password": PASSWORD, "recovery_code": codes[0]}),
    )
    .await;
    assert_eq!(st, 200, "{b}");
    login(&s, &e).await;
    let acts = actions_of(&s, &id).await;
    for want in
        ["2fa.setup", "2fa.enable", "2fa.recovery_code_used", "2fa.disable", "auth.login_failed"]
    {
        assert!(acts.iter().any(|a| a == want), "{want} missing from {acts:?}");
    }
}

#[tokio::test]
async fn tiers_gate_the_admin_routes() {
    let s = start().await;
    let (_, alice, alice_token, _) = user(&s, "alice").await;
    let (bob_email, bob, bob_token, _) = user(&s, "bob").await;
    for path in ["/v1/admin/users", "/v1/admin/audit", &format!("/v1/admin/users/{bob}")] {
        let (st, b) = get(&s, path, Some(&alice_token)).await;
        assert_error(st, &b, 403, "FORBIDDEN", None);
        let (st, b) = get(&s, path, None).await;
        assert_error(st, &b, 401, "UNAUTHENTICATED", None);
    }
    // The tier is read from the store on every request: no new token needed.
    assert!(s.store.set_tier(&alice, "admin").await.unwrap());
    let (st, b) = get(&s, "/v1/admin/users?limit=1000", Some(&alice_token)).await;
    assert_eq!(st, 200, "{b}");
    assert!(b["users"].as_array().unwrap().iter().any(|u| u["email"] == bob_email.as_str()));
    let (st, b) = get(&s, &format!("/v1/admin/users/{bob}"), Some(&alice_token)).await;
    assert_eq!((st, b["tier"].as_str()), (200, Some("explorer")));
    let (st, _, b) = call(
        &s,
        Method::PUT,
        &format!("/v1/admin/users/{bob}/tier"),
        Some(&alice_token),
        Some(&json!({"tier": "pro"})),
    )
    .await;
    assert_eq!((st, b["tier"].as_str()), (200, Some("pro")), "{b}");
    assert_eq!(get(&s, "/v1/account", Some(&bob_token)).await.1["tier"], "pro");
    let (st, _, b) = call(
        &s,
        Method::PUT,
        &format!("/v1/admin/users/{bob}/tier"),
        Some(&alice_token),
        Some(&json!({"tier": "root"})),
    )
    .await;
    assert_error(st, &b, 422, "INVALID_FIELD", Some("tier"));
    let (st, _, b) = call(
        &s,
        Method::PUT,
        "/v1/admin/users/nope/tier",
        Some(&alice_token),
        Some(&json!({"tier": "pro"})),
    )
    .await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    // an admin cannot demote itself (the last admin would lock everyone out)
    let (st, _, b) = call(
        &s,
        Method::PUT,
        &format!("/v1/admin/users/{alice}/tier"),
        Some(&alice_token),
        Some(&json!({"tier": "explorer"})),
    )
    .await;
    assert_error(st, &b, 409, "CONFLICT", None);
    assert_eq!(s.store.user_by_id(&alice).await.unwrap().unwrap().tier, "admin");
    let (st, b) = get(&s, "/v1/admin/audit?limit=1000", Some(&alice_token)).await;
    assert_eq!(st, 200);
    let entry = b["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "admin.set_tier" && e["target"] == bob.as_str())
        .expect("audited");
    assert_eq!(entry["actor"], alice.as_str());
    assert_eq!(entry["detail"], json!({"from": "explorer", "to": "pro"}));
    assert_eq!(entry["ip"], "127.0.0.1");
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let mut options = Options::default();
    options.auth.rate_limits =
        RateLimits { anonymous: 3, explorer: 5, auth_per_ip: 1000, ..RateLimits::default() };
    // Anonymous callers are told apart by X-Forwarded-For here, so the sign-up below does not
    // spend the allowance under test.
    options.auth.trust_forwarded_for = true;
    let s = start_with(options).await;
    let anon = || s.client.get(s.url("/v1/functions")).header("x-forwarded-for", "203.0.113.7");
    for _ in 0..3 {
        assert_eq!(anon().send().await.unwrap().status().as_u16(), 200);
    }
    let res = anon().send().await.unwrap();
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    let b: Json = res.json().await.unwrap();
    assert_error(429, &b, 429, "RATE_LIMITED", None);
    // Another address is not affected.
    let other = s.client.get(s.url("/v1/functions")).header("x-forwarded-for", "198.51.100.9");
    assert_eq!(other.send().await.unwrap().status().as_u16(), 200);
    // A signed-in explorer has their own allowance (5 per minute), spent by any /v1 route.
    let (_, _, access, _) = user(&s, "limits").await;
    for _ in 0..5 {
        assert_eq!(get(&s, "/v1/account", Some(&access)).await.0, 200);
    }
    let (st, retry, b) = call(&s, Method::GET, "/v1/account", Some(&access), None).await;
    assert_error(st, &b, 429, "RATE_LIMITED", None);
    assert!(retry.is_some());
    // Health checks are never limited.
    assert_eq!(get(&s, "/health", None).await.0, 200);
}

#[tokio::test]
async fn failed_sign_ins_lock_the_account() {
    let s = start().await;
    let e = email("lock");
    let id = register(&s, &e).await;
    let bad = json!({"email": e, "password": "not the password"});
    for _ in 0..4 {
        let (st, b) = post(&s, "/v1/auth/login", None, &bad).await;
        assert_error(st, &b, 401, "INVALID_CREDENTIALS", None);
    }
    let (st, retry, b) = call(&s, Method::POST, "/v1/auth/login", None, Some(&bad)).await;
    assert_error(st, &b, 429, "ACCOUNT_LOCKED", None);
    assert!(b["error"]["message"].as_str().unwrap().contains("locked"), "{b}");
    let retry: i64 = retry.unwrap().parse().unwrap();
    assert!((890..=900).contains(&retry), "{retry}");
    // The right password is refused too while locked.
    let (st, b) =
        post(&s, "/v1/auth/login", None, &json!({"email": e, "password": PASSWORD})).await;
    assert_error(st, &b, 429, "ACCOUNT_LOCKED", None);
    assert!(actions_of(&s, &id).await.iter().any(|a| a == "auth.lockout"));
    // A password reset unlocks.
    post(&s, "/v1/auth/password-reset/request", None, &json!({"email": e})).await;
    let token = s.mailer.last_token(&e, "reset").unwrap();
    let new_pw = "unlocked passphrase 2";
    let (st, _) = post(
        &s,
        "/v1/auth/password-reset/confirm",
        None,
        &json!({"token": token, "new_password": new_pw}),
    )
    .await;
    assert_eq!(st, 200);
    assert_eq!(
        post(&s, "/v1/auth/login", None, &json!({"email": e, "password": new_pw})).await.0,
        200
    );
}

#[tokio::test]
async fn sessions_are_listed_and_revoked_one_by_one() {
    let s = start().await;
    let (e, _, a1, _) = user(&s, "sessions").await;
    let a1 = a1.as_str();
    let t2 = login(&s, &e).await;
    let a2 = t2["access_token"].as_str().unwrap();
    let (st, b) = get(&s, "/v1/account/sessions", Some(a1)).await;
    assert_eq!(st, 200);
    let list = b["sessions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let other =
        list.iter().find(|x| x["current"] == false).unwrap()["id"].as_str().unwrap().to_owned();
    let (st, _, _) =
        call(&s, Method::DELETE, &format!("/v1/account/sessions/{other}"), Some(a1), None).await;
    assert_eq!(st, 204);
    assert_eq!(get(&s, "/v1/account", Some(a2)).await.0, 401);
    assert_eq!(get(&s, "/v1/account", Some(a1)).await.0, 200);
    let (st, _, b) =
        call(&s, Method::DELETE, &format!("/v1/account/sessions/{other}"), Some(a1), None).await;
    assert_error(st, &b, 404, "NOT_FOUND", None);
    let t3 = login(&s, &e).await;
    let (st, b) = post(&s, "/v1/auth/logout-all", Some(a1), &json!({})).await;
    assert_eq!((st, b["revoked"].as_u64()), (200, Some(2)));
    assert_eq!(get(&s, "/v1/account", Some(t3["access_token"].as_str().unwrap())).await.0, 401);
}

#[tokio::test]
async fn export_and_erasure_keep_a_pseudonymous_audit_trail() {
    let s = start().await;
    let (e, id, access, _) = user(&s, "gdpr").await;
    let (st, x) = get(&s, "/v1/account/export", Some(&access)).await;
    assert_eq!(st, 200, "{x}");
    assert_eq!(x["account"]["id"], id.as_str());
    assert_eq!(x["account"]["email"], e.as_str());
    assert!(x["account"].get("password_hash").is_none());
    assert!(!x.to_string().contains("argon2"), "no hash in the export");
    assert_eq!(x["sessions"].as_array().unwrap().len(), 1);
    let acts: Vec<&str> =
        x["audit"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert!(
        acts.contains(&"account.register")
            && acts.contains(&"auth.login")
            && acts.contains(&"account.export"),
        "{acts:?}"
    );

    let (st, b) =
        post(&s, "/v1/account/delete", Some(&access), &json!({"password": "wrong password"})).await;
    assert_error(st, &b, 401, "INVALID_CREDENTIALS", None);
    let before = s.store.audit(Some(&id), 1000).await.unwrap().len();
    let (st, _, _) = call(
        &s,
        Method::POST,
        "/v1/account/delete",
        Some(&access),
        Some(&json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(st, 204);
    assert!(s.store.user_by_email(&e).await.unwrap().is_none());
    assert_eq!(get(&s, "/v1/account", Some(&access)).await.0, 401);
    let (st, b) =
        post(&s, "/v1/auth/login", None, &json!({"email": e, "password": PASSWORD})).await;
    assert_error(st, &b, 401, "INVALID_CREDENTIALS", None);
    // The entries stay, under the pseudonym, without address or user agent.
    assert!(s.store.audit(Some(&id), 1000).await.unwrap().is_empty());
    let p = sextant_server::accounts::pseudonym(&id);
    let kept = s.store.audit(Some(&p), 1000).await.unwrap();
    assert_eq!(kept.len(), before + 1, "every entry kept, plus account.delete");
    assert!(kept.iter().any(|k| k.action == "account.delete"));
    assert!(kept
        .iter()
        .filter(|k| k.actor.as_deref() == Some(p.as_str()))
        .all(|k| k.ip.is_none() && k.user_agent.is_none()));
    assert!(kept.iter().all(|k| !k.detail.contains(&e)));
}

#[tokio::test]
async fn the_openapi_document_has_the_accounts_routes_and_bearer_security() {
    let s = start().await;
    let (st, doc) = get(&s, "/openapi.json", None).await;
    assert_eq!(st, 200);
    let scheme = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(
        (scheme["type"].as_str(), scheme["scheme"].as_str()),
        (Some("http"), Some("bearer"))
    );
    let ops = [
        ("/v1/auth/register", "post", false),
        ("/v1/auth/verify-email", "post", false),
        ("/v1/auth/login", "post", false),
        ("/v1/auth/refresh", "post", false),
        ("/v1/auth/logout", "post", true),
        ("/v1/auth/logout-all", "post", true),
        ("/v1/auth/password-reset/request", "post", false),
        ("/v1/auth/password-reset/confirm", "post", false),
        ("/v1/auth/2fa/setup", "post", true),
        ("/v1/auth/2fa/enable", "post", true),
        ("/v1/auth/2fa/disable", "post", true),
        ("/v1/account", "get", true),
        ("/v1/account/sessions", "get", true),
        ("/v1/account/sessions/{id}", "delete", true),
        ("/v1/account/audit", "get", true),
        ("/v1/account/export", "get", true),
        ("/v1/account/delete", "post", true),
        ("/v1/admin/users", "get", true),
        ("/v1/admin/users/{id}", "get", true),
        ("/v1/admin/users/{id}/tier", "put", true),
        ("/v1/admin/audit", "get", true),
    ];
    for (path, method, auth) in ops {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing");
        let security = op["security"].as_array().unwrap();
        assert_eq!(!security.is_empty(), auth, "{method} {path}");
        assert!(op["responses"]["429"]["headers"]["Retry-After"].is_object(), "{path}");
        // The route is served (not a 404 from the fallback).
        let (st, _, _) = call(
            &s,
            method.to_uppercase().parse().unwrap(),
            &path.replace("{id}", "x"),
            None,
            (method != "get" && method != "delete").then_some(&json!({})),
        )
        .await;
        assert_ne!(st, 404, "{method} {path}");
        if auth {
            assert_eq!(st, 401, "{method} {path} without a token");
        }
    }
    // The analytics routes take a token optionally.
    let sma = &doc["paths"]["/v1/ta/SMA"]["post"]["security"];
    assert_eq!(sma, &json!([{}, {"bearer": []}]));
}
