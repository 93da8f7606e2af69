//! The attack suite: forged, tampered, expired and `alg=none` tokens, a token signed with
//! another key, refresh-token reuse, TOTP replay and brute force, one user reaching another's
//! data (IDOR) on every route that takes an id, SQL-injection strings in every text field,
//! oversized and malformed bodies, and tampering with the audit log. Every attack must be
//! refused with a 4xx, and nothing may leak or be lost. Runs on SQLite and PostgreSQL.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{json, Value as Json};
use sextant_server::auth::{sha256_hex, totp_step, verify_password};
use sextant_server::store::{AuditEntry, RefreshToken};
use sextant_server::{connect, Database};

use crate::accounts::{
    call, code_at, email, enrol, get, login, now, post, register, user, PASSWORD,
};
use crate::common::{assert_error, database, start, unique_key, TestServer};

fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn claims(sub: &str, sid: &str, iat: i64, exp: i64) -> Json {
    json!({"sub": sub, "sid": sid, "tier": "admin", "iat": iat, "exp": exp,
           "iss": "sextant", "aud": "sextant-api"})
}

fn sign(secret: &[u8], alg: Algorithm, claims: &Json) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

async fn refused(s: &TestServer, token: &str, what: &str) {
    let (st, body) = get(s, "/v1/account", Some(token)).await;
    assert_eq!(st, 401, "{what}: {body}");
    assert_eq!(body["error"]["code"], "INVALID_TOKEN", "{what}: {body}");
}

/// The session id inside a genuine token.
fn sid_of(token: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = payload;
    // base64url decode by hand (no padding).
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'-' => 62,
            _ => 63,
        }
    };
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0);
    for c in bytes.bytes() {
        buf = (buf << 6) | val(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    let j: Json = serde_json::from_slice(&out).unwrap();
    j["sid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn forged_tampered_expired_and_unsigned_tokens_are_refused() {
    let s = start().await;
    let (_, victim, victim_token, _) = user(&s, "victim").await;
    let (_, _, mallory_token, _) = user(&s, "mallory").await;
    assert_eq!(get(&s, "/v1/account", Some(&victim_token)).await.0, 200);
    let secret = s.options.auth.secret.expose().to_vec();
    let sid = sid_of(&victim_token);
    let t = now();
    let mut cases: Vec<(String, &str)> = Vec::new();

    // Tampered: mallory's token with the payload swapped for the victim's, signature kept.
    let parts: Vec<&str> = mallory_token.split('.').collect();
    let forged_payload = b64url(claims(&victim, &sid, t, t + 600).to_string().as_bytes());
    cases.push((format!("{}.{}.{}", parts[0], forged_payload, parts[2]), "tampered payload"));
    // Tampered signature.
    let mut sig = parts[2].to_owned();
    let last = if sig.ends_with('A') { 'B' } else { 'A' };
    sig.pop();
    sig.push(last);
    cases.push((format!("{}.{}.{sig}", parts[0], parts[1]), "tampered signature"));
    // alg=none, with and without a trailing dot, and variants of the name.
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = b64url(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
        let p = b64url(claims(&victim, &sid, t, t + 600).to_string().as_bytes());
        cases.push((format!("{h}.{p}."), "alg=none"));
        cases.push((format!("{h}.{p}"), "alg=none without signature"));
    }
    // Another key.
    cases.push((
        sign(
            b"another secret that is long enough!!",
            Algorithm::HS256,
            &claims(&victim, &sid, t, t + 600),
        ),
        "another key",
    ));
    // The right key but another HMAC algorithm (the algorithm is pinned to HS256).
    cases.push((sign(&secret, Algorithm::HS512, &claims(&victim, &sid, t, t + 600)), "HS512"));
    cases.push((sign(&secret, Algorithm::HS384, &claims(&victim, &sid, t, t + 600)), "HS384"));
    // Expired (beyond the 5 s leeway), issued in the future, wrong issuer or audience.
    cases.push((
        sign(&secret, Algorithm::HS256, &claims(&victim, &sid, t - 1000, t - 60)),
        "expired",
    ));
    cases.push((
        sign(&secret, Algorithm::HS256, &claims(&victim, &sid, t + 3600, t + 4000)),
        "future iat",
    ));
    let mut c = claims(&victim, &sid, t, t + 600);
    c["iss"] = json!("someone-else");
    cases.push((sign(&secret, Algorithm::HS256, &c), "wrong issuer"));
    let mut c = claims(&victim, &sid, t, t + 600);
    c["aud"] = json!("another-api");
    cases.push((sign(&secret, Algorithm::HS256, &c), "wrong audience"));
    let mut c = claims(&victim, &sid, t, t + 600);
    c.as_object_mut().unwrap().remove("exp");
    cases.push((sign(&secret, Algorithm::HS256, &c), "no exp"));
    // Correctly signed but naming a session that is not the user's, or no session.
    cases.push((
        sign(&secret, Algorithm::HS256, &claims(&victim, "no-such-session", t, t + 600)),
        "unknown sid",
    ));
    cases.push((
        sign(&secret, Algorithm::HS256, &claims(&victim, &sid_of(&mallory_token), t, t + 600)),
        "someone else's sid",
    ));
    cases.push((
        sign(&secret, Algorithm::HS256, &claims("no-such-user", &sid, t, t + 600)),
        "unknown sub",
    ));
    // Garbage.
    for g in ["", "a", "a.b", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.e30.", &"A".repeat(8000)] {
        cases.push((g.to_owned(), "garbage"));
    }
    let n = cases.len();
    for (token, what) in &cases {
        if token.is_empty() {
            let (st, _, b) = call(&s, Method::GET, "/v1/account", Some(""), None).await;
            assert_eq!(st, 401, "{b}");
            continue;
        }
        refused(&s, token, what).await;
    }
    // Other header shapes.
    for h in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "bearer", "Bearer \u{7f}"] {
        let res = s.client.get(s.url("/v1/account")).header("authorization", h).send().await;
        let Ok(res) = res else { continue };
        assert_eq!(res.status().as_u16(), 401, "{h:?}");
    }
    // A bad token on an anonymous route is a 401, not a silent downgrade.
    let (st, b) = post(
        &s,
        "/v1/ta/SMA",
        Some("a.b.c"),
        &json!({"inputs": {"real": [1.0, 2.0, 3.0]}, "params": {"timeperiod": 2}}),
    )
    .await;
    assert_error(st, &b, 401, "INVALID_TOKEN", None);
    // The victim is untouched.
    assert_eq!(get(&s, "/v1/account", Some(&victim_token)).await.1["tier"], "explorer");
    assert!(n >= 25, "{n}");
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_family() {
    let s = start().await;
    let (e, _, _, r0) = user(&s, "reuse").await;
    let (st, t1) = post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": r0})).await;
    assert_eq!(st, 200);
    let (st, t2) =
        post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": t1["refresh_token"]})).await;
    assert_eq!(st, 200);
    // A thief replays the first token: refused, and the whole family dies.
    let (st, b) = post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": r0})).await;
    assert_error(st, &b, 401, "REFRESH_TOKEN_REUSED", None);
    let (st, _) =
        post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": t2["refresh_token"]})).await;
    assert_eq!(st, 401, "the newest token of the family is revoked too");
    assert_eq!(get(&s, "/v1/account", Some(t2["access_token"].as_str().unwrap())).await.0, 401);
    // Other sessions are unaffected.
    let other = login(&s, &e).await;
    assert_eq!(get(&s, "/v1/account", Some(other["access_token"].as_str().unwrap())).await.0, 200);
    // Unknown and malformed refresh tokens.
    for bad in ["", "x", &"f".repeat(64), "' OR 1=1 --"] {
        let (st, b) = post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": bad})).await;
        assert_error(st, &b, 401, "INVALID_TOKEN", None);
    }
}

#[tokio::test]
async fn totp_replay_and_brute_force_are_refused() {
    let s = start().await;
    let (e, id, access, _) = user(&s, "brute").await;
    let (secret, _, step) = enrol(&s, &access).await;
    // Replay of the enabling code.
    let replay = json!({"email": e, "password": PASSWORD, "totp_code": code_at(&secret, step)});
    let (st, b) = post(&s, "/v1/auth/login", None, &replay).await;
    assert_error(st, &b, 401, "INVALID_TOTP", None);
    // Guessing: the account locks at the fifth failure, and then even the right code fails.
    let right: Vec<String> = (-1..=1).map(|d| code_at(&secret, totp_step(now()) + d)).collect();
    let mut guesses = (0..1_000_000u32).map(|g| format!("{g:06}")).filter(|g| !right.contains(g));
    let mut locked_at = None;
    for i in 2..=10 {
        let g = guesses.next().unwrap();
        let (st, _, b) = call(
            &s,
            Method::POST,
            "/v1/auth/login",
            None,
            Some(&json!({"email": e, "password": PASSWORD, "totp_code": g})),
        )
        .await;
        if st == 429 {
            assert_eq!(b["error"]["code"], "ACCOUNT_LOCKED");
            locked_at = Some(i);
            break;
        }
        assert_error(st, &b, 401, "INVALID_TOTP", None);
    }
    assert_eq!(locked_at, Some(5), "the replay counted as the first failure");
    let fresh = json!({"email": e, "password": PASSWORD, "totp_code": code_at(&secret, totp_step(now()) + 1)});
    let (st, b) = post(&s, "/v1/auth/login", None, &fresh).await;
    assert_error(st, &b, 429, "ACCOUNT_LOCKED", None);
    let stored = s.store.user_by_id(&id).await.unwrap().unwrap();
    assert!(stored.locked_until > now() + 800);
    // Malformed codes never match.
    for bad in ["", "12345", "1234567", "12 456", "abcdef", "-12345", "１２３４５６"] {
        assert_eq!(
            sextant_server::auth::totp_match(b"12345678901234567890", bad, now()),
            None,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn no_user_reaches_another_users_data() {
    let s = start().await;
    let (a_email, a, a_token, _) = user(&s, "idor-a").await;
    let (_, b, b_token, _) = user(&s, "idor-b").await;
    let a_sid = sid_of(&a_token);
    // Revoking someone else's session: indistinguishable from an unknown id, and no effect.
    let (st, _, body) =
        call(&s, Method::DELETE, &format!("/v1/account/sessions/{a_sid}"), Some(&b_token), None)
            .await;
    assert_error(st, &body, 404, "NOT_FOUND", None);
    assert_eq!(get(&s, "/v1/account", Some(&a_token)).await.0, 200);
    // Admin routes by id.
    let (st, body) = get(&s, &format!("/v1/admin/users/{a}"), Some(&b_token)).await;
    assert_error(st, &body, 403, "FORBIDDEN", None);
    let (st, _, body) = call(
        &s,
        Method::PUT,
        &format!("/v1/admin/users/{b}/tier"),
        Some(&b_token),
        Some(&json!({"tier": "admin"})),
    )
    .await;
    assert_error(st, &body, 403, "FORBIDDEN", None);
    assert_eq!(
        s.store.user_by_id(&b).await.unwrap().unwrap().tier,
        "explorer",
        "no self-promotion"
    );
    let (st, _, _) = call(
        &s,
        Method::PUT,
        &format!("/v1/admin/users/{a}/tier"),
        Some(&b_token),
        Some(&json!({"tier": "explorer"})),
    )
    .await;
    assert_eq!(st, 403);
    // B's own views carry nothing of A.
    for path in ["/v1/account", "/v1/account/sessions", "/v1/account/audit", "/v1/account/export"] {
        let (st, body) = get(&s, path, Some(&b_token)).await;
        assert_eq!(st, 200, "{path}: {body}");
        let text = body.to_string();
        assert!(
            !text.contains(&a) && !text.contains(&a_email) && !text.contains(&a_sid),
            "{path} leaks A: {text}"
        );
    }
    // Query parameters cannot widen the scope.
    let (st, _) = get(&s, &format!("/v1/account/audit?actor={a}"), Some(&b_token)).await;
    assert_eq!(st, 422);
    // Deleting B's account leaves A intact.
    let (st, _, _) = call(
        &s,
        Method::POST,
        "/v1/account/delete",
        Some(&b_token),
        Some(&json!({"password": PASSWORD})),
    )
    .await;
    assert_eq!(st, 204);
    assert_eq!(get(&s, "/v1/account", Some(&a_token)).await.0, 200);
}

const INJECTIONS: [&str; 10] = [
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "\" OR 1=1 --",
    "admin'--",
    "1; SELECT pg_sleep(5); --",
    "' UNION SELECT password_hash, email FROM users --",
    "%' OR email LIKE '%",
    "x'); DELETE FROM audit_log; --",
    "\\'; UPDATE users SET tier='admin'; --",
    "a' || (SELECT tier FROM users LIMIT 1) || '",
];

#[tokio::test]
async fn sql_injection_in_every_text_field_is_inert() {
    let s = start().await;
    let (victim_email, victim, victim_token, _) = user(&s, "sqli-victim").await;
    let (_, attacker, attacker_token, _) = user(&s, "sqli-attacker").await;
    let audit_before = s.store.audit(None, 100_000).await.unwrap().len();
    let victim_before = s.store.user_by_id(&victim).await.unwrap().unwrap();
    let mut checked = 0;
    for inj in INJECTIONS {
        let as_email = format!("{}@example.com", inj.replace(' ', ""));
        let bodies: Vec<(&str, Option<&str>, Json)> = vec![
            ("/v1/auth/register", None, json!({"email": inj, "password": PASSWORD})),
            (
                "/v1/auth/register",
                None,
                json!({"email": email("sqli"), "password": format!("{inj}{inj}")}),
            ),
            ("/v1/auth/login", None, json!({"email": inj, "password": inj})),
            ("/v1/auth/login", None, json!({"email": as_email, "password": inj})),
            ("/v1/auth/login", None, json!({"email": victim_email, "password": inj})),
            (
                "/v1/auth/login",
                None,
                json!({"email": victim_email, "password": inj, "totp_code": inj, "recovery_code": inj}),
            ),
            ("/v1/auth/refresh", None, json!({"refresh_token": inj})),
            ("/v1/auth/verify-email", None, json!({"token": inj})),
            ("/v1/auth/password-reset/request", None, json!({"email": inj})),
            (
                "/v1/auth/password-reset/confirm",
                None,
                json!({"token": inj, "new_password": format!("{inj}{inj}")}),
            ),
            ("/v1/auth/2fa/setup", Some(&attacker_token), json!({"password": inj})),
            ("/v1/auth/2fa/enable", Some(&attacker_token), json!({"code": inj})),
            (
                "/v1/auth/2fa/disable",
                Some(&attacker_token),
                json!({"password": inj, "totp_code": inj}),
            ),
            ("/v1/account/delete", Some(&attacker_token), json!({"password": inj})),
        ];
        for (path, token, body) in bodies {
            let (st, b) = post(&s, path, token, &body).await;
            // 4xx (429 once the victim's account locks: the lockout is a refusal too) or the
            // 202 that registration and reset requests always answer.
            assert!((400..500).contains(&st) || st == 202, "{path} {body}: {st} {b}");
            checked += 1;
        }
        let enc: String = inj.bytes().map(|c| format!("%{c:02X}")).collect();
        for (m, path) in [
            (Method::DELETE, format!("/v1/account/sessions/{enc}")),
            (Method::GET, format!("/v1/account/audit?limit={enc}")),
        ] {
            let (st, _, b) = call(&s, m, &path, Some(&attacker_token), None).await;
            assert!((400..500).contains(&st), "{path}: {st} {b}");
            checked += 1;
        }
        let admin = s.store.user_by_id(&attacker).await.unwrap().unwrap();
        assert_eq!(admin.tier, "explorer", "no escalation through {inj}");
        // An address that contains SQL is stored and matched literally.
        let literal = format!(
            "{}{}@example.com",
            unique_key("q").to_ascii_lowercase(),
            inj.replace([' ', '%', '\\', '"', ';', '(', ')', ','], "")
        )
        .to_ascii_lowercase();
        if let Ok(()) = check_literal(&s, &literal).await {
            checked += 1;
        }
    }
    // Admin-only text fields and ids, from an admin.
    assert!(s.store.set_tier(&attacker, "admin").await.unwrap());
    for inj in INJECTIONS {
        let enc: String = inj.bytes().map(|c| format!("%{c:02X}")).collect();
        let (st, _, b) = call(
            &s,
            Method::PUT,
            &format!("/v1/admin/users/{victim}/tier"),
            Some(&attacker_token),
            Some(&json!({"tier": inj})),
        )
        .await;
        assert_error(st, &b, 422, "INVALID_FIELD", Some("tier"));
        let (st, _, b) = call(
            &s,
            Method::PUT,
            &format!("/v1/admin/users/{enc}/tier"),
            Some(&attacker_token),
            Some(&json!({"tier": "admin"})),
        )
        .await;
        assert_error(st, &b, 404, "NOT_FOUND", None);
        let (st, b) = get(&s, &format!("/v1/admin/users/{enc}"), Some(&attacker_token)).await;
        assert_error(st, &b, 404, "NOT_FOUND", None);
        checked += 3;
    }
    // Nothing lost: the victim keeps its password, tier and session (the guesses locked its
    // sign-in, which a password reset lifts); the audit log only grew.
    assert_eq!(get(&s, "/v1/account", Some(&victim_token)).await.1["tier"], "explorer");
    let victim_after = s.store.user_by_id(&victim).await.unwrap().unwrap();
    assert_eq!(victim_after.password_hash, victim_before.password_hash);
    assert_eq!(victim_after.email, victim_email);
    assert!(victim_after.locked_until > now());
    assert!(s.store.audit(None, 100_000).await.unwrap().len() > audit_before);
    assert!(checked >= 150, "{checked}");
}

async fn check_literal(s: &TestServer, address: &str) -> Result<(), ()> {
    let (st, _) =
        post(s, "/v1/auth/register", None, &json!({"email": address, "password": PASSWORD})).await;
    if st != 202 {
        return Err(());
    }
    let stored = s.store.user_by_email(address).await.unwrap().expect("stored literally");
    assert_eq!(stored.email, address);
    login(s, address).await;
    Ok(())
}

#[tokio::test]
async fn oversized_and_malformed_bodies_are_refused() {
    let s = start().await;
    let (_, _, token, _) = user(&s, "bodies").await;
    let big = format!("{{\"email\": \"{}@example.com\", \"password\": \"x\"}}", "a".repeat(20_000));
    let huge =
        format!("{{\"email\": \"a@example.com\", \"password\": \"{}\"}}", "p".repeat(2_000_000));
    let nested = format!("{}{}", "[".repeat(2_000), "]".repeat(2_000));
    let cases: Vec<(&str, &str, Vec<u8>, u16)> = vec![
        ("/v1/auth/login", "application/json", big.into_bytes(), 413),
        ("/v1/auth/register", "application/json", huge.into_bytes(), 413),
        ("/v1/auth/login", "application/json", b"{".to_vec(), 400),
        ("/v1/auth/login", "application/json", b"".to_vec(), 400),
        ("/v1/auth/login", "application/json", b"null".to_vec(), 422),
        ("/v1/auth/login", "application/json", b"[]".to_vec(), 422),
        ("/v1/auth/login", "application/json", b"{\"email\": 1, \"password\": 2}".to_vec(), 422),
        ("/v1/auth/login", "application/json", b"{\"email\": \"a@b.io\"}".to_vec(), 422),
        (
            "/v1/auth/login",
            "application/json",
            b"{\"email\": \"a@b.io\", \"password\": \"xxxxxxxxxxxx\", \"tier\": \"admin\"}"
                .to_vec(),
            422,
        ),
        (
            "/v1/auth/register",
            "application/json",
            b"{\"email\": \"\xff\xfe@x.io\", \"password\": \"p\"}".to_vec(),
            400,
        ),
        ("/v1/auth/register", "application/json", nested.into_bytes(), 422),
        ("/v1/auth/login", "text/plain", b"{}".to_vec(), 415),
        ("/v1/auth/refresh", "application/x-www-form-urlencoded", b"refresh_token=x".to_vec(), 415),
        ("/v1/auth/2fa/setup", "application/json", b"{\"password\": null}".to_vec(), 422),
        ("/v1/admin/users/x/tier", "application/json", b"{}".to_vec(), 405),
    ];
    let n = cases.len();
    for (path, ct, body, want) in cases {
        let res = s
            .client
            .post(s.url(path))
            .header("content-type", ct)
            .bearer_auth(&token)
            .body(body)
            .send()
            .await
            .unwrap();
        let st = res.status().as_u16();
        let text = res.text().await.unwrap();
        assert_eq!(st, want, "{path} {ct}: {text}");
        let b: Json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert!(b["error"]["code"].is_string(), "{b}");
    }
    // No Content-Type at all.
    let res = s.client.post(s.url("/v1/auth/login")).body("{}").send().await.unwrap();
    assert_eq!(res.status().as_u16(), 415);
    // Query parameters out of range or of the wrong type.
    for q in [
        "limit=0",
        "limit=1001",
        "limit=-1",
        "limit=abc",
        "offset=-5",
        "limit=1e3",
        "limit=99999999999999999999",
    ] {
        let (st, b) = get(&s, &format!("/v1/account/audit?{q}"), Some(&token)).await;
        assert_eq!(st, 422, "{q}: {b}");
    }
    assert!(n >= 15);
}

macro_rules! audit_tamper_checks {
    ($pool:expr, $actor:expr) => {{
        let pool = $pool;
        let del = sqlx::query("DELETE FROM audit_log WHERE actor = $1").bind($actor).execute(&pool).await;
        assert!(del.is_err(), "a delete went through");
        let upd = sqlx::query("UPDATE audit_log SET action = 'forged' WHERE actor = $1").bind($actor).execute(&pool).await;
        assert!(upd.is_err(), "an action was rewritten");
        let upd = sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE actor = $1").bind($actor).execute(&pool).await;
        assert!(upd.is_err(), "an actor was rewritten");
        let upd = sqlx::query("UPDATE audit_log SET ip = '10.0.0.1' WHERE actor = $1").bind($actor).execute(&pool).await;
        assert!(upd.is_err(), "an address was rewritten");
        let ok = sqlx::query("UPDATE audit_log SET actor = 'deleted:0123', ip = NULL, user_agent = NULL WHERE actor = $1")
            .bind($actor).execute(&pool).await.expect("pseudonymisation is allowed");
        assert_eq!(ok.rows_affected(), 1);
        pool.close().await;
    }};
}

#[tokio::test]
async fn the_audit_log_is_append_only() {
    let (db, _dir) = database();
    let store = connect(&db).await.unwrap();
    let actor = unique_key("append-only");
    store
        .append_audit(&AuditEntry {
            id: 0,
            at: now(),
            actor: Some(actor.clone()),
            action: "test.append_only".into(),
            target: None,
            ip: Some("127.0.0.1".into()),
            user_agent: Some("test".into()),
            detail: "{}".into(),
        })
        .await
        .unwrap();
    match &db {
        Database::SqliteDir(dir) => {
            let url = format!("sqlite://{}", dir.join("sextant.db").display());
            audit_tamper_checks!(sqlx::SqlitePool::connect(&url).await.unwrap(), &actor);
        }
        Database::Url(url) => {
            audit_tamper_checks!(sqlx::PgPool::connect(url).await.unwrap(), &actor);
        }
    }
    let left = store.audit(Some("deleted:0123"), 100_000).await.unwrap();
    assert!(left.iter().any(|e| e.action == "test.append_only"));
}

#[tokio::test]
async fn registration_requires_no_prior_session_and_never_leaks_hashes() {
    let s = start().await;
    let e = email("leak");
    register(&s, &e).await;
    let t = login(&s, &e).await;
    let a = t["access_token"].as_str().unwrap();
    for path in ["/v1/account", "/v1/account/sessions", "/v1/account/audit", "/v1/account/export"] {
        let (_, b) = get(&s, path, Some(a)).await;
        let text = b.to_string();
        assert!(
            !text.contains("argon2")
                && !text.contains("password")
                && !text.contains(t["refresh_token"].as_str().unwrap()),
            "{path}: {text}"
        );
    }
    let (st, b) =
        post(&s, "/v1/auth/login", None, &json!({"email": email("ghost"), "password": PASSWORD}))
            .await;
    assert_error(st, &b, 401, "INVALID_CREDENTIALS", None);
    let (st2, b2) =
        post(&s, "/v1/auth/login", None, &json!({"email": e, "password": "wrong password!"})).await;
    assert_eq!((st, &b), (st2, &b2), "unknown address and wrong password answer alike");
}

#[tokio::test]
async fn concurrent_uses_of_one_refresh_token_spend_it_once() {
    let s = start().await;
    let (_, _, _, r0) = user(&s, "race").await;
    let body = json!({"refresh_token": r0});
    let results =
        futures_all((0..8).map(|_| Box::pin(post(&s, "/v1/auth/refresh", None, &body))).collect())
            .await;
    // Exactly one request spent the token fresh; the seven others were reuses, which revoke
    // the family. The fresh one therefore got a new pair, or a 401 if a reuse revoked the session
    // before it finished. No new refresh token outlives the race.
    let reused = results.iter().filter(|(_, b)| b["error"]["code"] == "REFRESH_TOKEN_REUSED");
    assert_eq!(reused.count(), 7, "{results:?}");
    let fresh = results.iter().find(|(_, b)| b["error"]["code"] != "REFRESH_TOKEN_REUSED").unwrap();
    match fresh {
        (200, pair) => {
            let again = json!({"refresh_token": pair["refresh_token"]});
            assert_eq!(post(&s, "/v1/auth/refresh", None, &again).await.0, 401);
        }
        (st, b) => assert_error(*st, b, 401, "INVALID_TOKEN", None),
    }
}

/// Polls every future together: each request is sent before any answer is awaited.
async fn futures_all<F: std::future::Future + Unpin>(mut fs: Vec<F>) -> Vec<F::Output> {
    let mut results: Vec<Option<F::Output>> = fs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, r) in fs.iter_mut().zip(results.iter_mut()) {
            if r.is_none() {
                match std::pin::Pin::new(&mut *f).poll(cx) {
                    std::task::Poll::Ready(v) => *r = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn expired_single_use_and_refresh_tokens_are_refused() {
    let s = start().await;
    let (_, id, access, _) = user(&s, "expiry").await;
    let t = now();
    // A verification token and a reset token that expired a second ago.
    s.store
        .put_one_time(&sha256_hex("expired-verify"), &id, "verify_email", t - 100, t - 1)
        .await
        .unwrap();
    let (st, b) =
        post(&s, "/v1/auth/verify-email", None, &json!({"token": "expired-verify"})).await;
    assert_error(st, &b, 400, "INVALID_OR_EXPIRED_TOKEN", None);
    s.store
        .put_one_time(&sha256_hex("expired-reset"), &id, "reset_password", t - 100, t - 1)
        .await
        .unwrap();
    let (st, b) = post(
        &s,
        "/v1/auth/password-reset/confirm",
        None,
        &json!({"token": "expired-reset", "new_password": "a new passphrase 9"}),
    )
    .await;
    assert_error(st, &b, 400, "INVALID_OR_EXPIRED_TOKEN", None);
    // A token of one purpose does not serve another.
    s.store
        .put_one_time(&sha256_hex("verify-only"), &id, "verify_email", t, t + 3600)
        .await
        .unwrap();
    let (st, _) = post(
        &s,
        "/v1/auth/password-reset/confirm",
        None,
        &json!({"token": "verify-only", "new_password": "a new passphrase 9"}),
    )
    .await;
    assert_eq!(st, 400);
    // An expired refresh token of a live session.
    let sid = sid_of(&access);
    s.store
        .put_refresh(&RefreshToken {
            hash: sha256_hex("expired-refresh"),
            session_id: sid,
            user_id: id.clone(),
            created_at: t - 100,
            expires_at: t - 1,
            used_at: None,
        })
        .await
        .unwrap();
    let (st, b) =
        post(&s, "/v1/auth/refresh", None, &json!({"refresh_token": "expired-refresh"})).await;
    assert_error(st, &b, 401, "INVALID_TOKEN", None);
    // The password is unchanged.
    assert!(verify_password(
        PASSWORD,
        &s.store.user_by_id(&id).await.unwrap().unwrap().password_hash
    ));
}
