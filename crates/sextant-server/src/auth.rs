//! The security primitives of the accounts: argon2id password hashes, HS256 access tokens,
//! opaque random tokens stored as sha256, RFC 6238 TOTP and recovery codes.
//!
//! Parameters (docs/accounts.md repeats them):
//! - passwords: argon2id v1.3, m = 19456 KiB, t = 2, p = 1, 16-byte random salt, 32-byte output
//!   (the OWASP minimum for argon2id); 10 to 256 characters;
//! - access tokens: JWT HS256 (the algorithm is pinned: a token with another `alg`, `none`
//!   included, is refused), 15 minutes, `iss`, `aud`, `exp`, `iat`, `sub` required and checked,
//!   5 s leeway; the key is the server secret (at least 32 bytes);
//! - refresh, verification and reset tokens: 256 random bits (hex), stored as sha256 hex;
//! - TOTP: HMAC-SHA1, 30 s steps, 6 digits, 160-bit secrets, +-1 step accepted;
//! - recovery codes: 10 per enrolment, 50 random bits each (`xxxxx-xxxxx`), stored as sha256.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm as Argon2Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Access-token lifetime in seconds (15 minutes).
pub const ACCESS_TTL: i64 = 15 * 60;
/// Refresh-token lifetime in seconds (30 days).
pub const REFRESH_TTL: i64 = 30 * 24 * 3600;
/// E-mail verification token lifetime in seconds (24 hours).
pub const VERIFY_TTL: i64 = 24 * 3600;
/// Password-reset token lifetime in seconds (1 hour).
pub const RESET_TTL: i64 = 3600;
/// argon2id memory cost in KiB.
pub const ARGON2_M_KIB: u32 = 19_456;
/// argon2id iterations.
pub const ARGON2_T: u32 = 2;
/// argon2id lanes.
pub const ARGON2_P: u32 = 1;
/// Shortest accepted password (characters).
pub const PASSWORD_MIN: usize = 10;
/// Longest accepted password (characters).
pub const PASSWORD_MAX: usize = 256;
/// TOTP step in seconds.
pub const TOTP_STEP: i64 = 30;
/// TOTP digits.
pub const TOTP_DIGITS: u32 = 6;
/// Recovery codes per enrolment.
pub const RECOVERY_CODES: usize = 10;

/// `n` bytes from the operating system's generator.
///
/// # Panics
/// When the operating system has no randomness to give (nothing safe can be done then).
#[must_use]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut b).expect("the operating system's random generator failed");
    b
}

/// Lower-case hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// A fresh random token: 256 bits as 64 hex characters.
#[must_use]
pub fn random_token() -> String {
    hex(&random_bytes::<32>())
}

/// A fresh random id: 128 bits as 32 hex characters.
#[must_use]
pub fn random_id() -> String {
    hex(&random_bytes::<16>())
}

/// A fresh id that sorts by creation time, 32 hex characters like [`random_id`]: 48 bits of
/// unix milliseconds, then 80 random bits. Rows keyed by it are appended at the end of their
/// index instead of at random places (the live ingest writes thousands of events a second).
#[must_use]
pub fn time_ordered_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    b[6..].copy_from_slice(&random_bytes::<10>());
    hex(&b)
}

/// Hex sha256: how tokens and recovery codes are stored.
#[must_use]
pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// Equality in time independent of where the inputs differ.
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn argon2() -> Argon2<'static> {
    // The constants are valid argon2 parameters; `Params::new` only fails outside its ranges.
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, Some(32)).unwrap_or_default();
    Argon2::new(Argon2Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id and a fresh random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC string.
#[must_use]
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A valid hash of a random password, verified against when the e-mail is unknown so that a
/// failed sign-in costs the same time whether or not the account exists.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token()).unwrap_or_default())
}

/// The server's token-signing secret (never printed).
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Wraps a secret; `None` when it is shorter than 32 bytes.
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() >= 32).then_some(Self(bytes))
    }
    /// 256 random bits (tokens then die with the process).
    #[must_use]
    pub fn random() -> Self {
        Self(random_bytes::<32>().to_vec())
    }
    /// The bytes.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session id (refresh-token family); a revoked session's tokens are refused.
    pub sid: String,
    /// The tier when issued (informational: routes use the stored tier).
    pub tier: String,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// Expires at (unix seconds).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct Tokens {
    enc: EncodingKey,
    dec: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl: i64,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

impl Tokens {
    /// Keys from the secret; tokens name `issuer` and `audience`.
    #[must_use]
    pub fn new(secret: &Secret, issuer: &str, audience: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = 5;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        Self {
            enc: EncodingKey::from_secret(secret.expose()),
            dec: DecodingKey::from_secret(secret.expose()),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl: ACCESS_TTL,
        }
    }

    /// The same keys with access tokens valid `ttl` seconds ([`ACCESS_TTL`] by default).
    #[must_use]
    pub fn with_ttl(mut self, ttl: i64) -> Self {
        self.ttl = ttl;
        self
    }

    /// Lifetime of the access tokens issued, in seconds.
    #[must_use]
    pub fn ttl(&self) -> i64 {
        self.ttl
    }

    /// A signed access token for this user and session, valid [`Tokens::ttl`] from `now`.
    pub fn issue(
        &self,
        user_id: &str,
        session_id: &str,
        tier: &str,
        now: i64,
    ) -> Result<String, String> {
        let claims = Claims {
            sub: user_id.to_owned(),
            sid: session_id.to_owned(),
            tier: tier.to_owned(),
            iat: now,
            exp: now + self.ttl,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.enc)
            .map_err(|e| e.to_string())
    }

    /// The claims of a valid token: signature (HS256 only), `exp`, `iss` and `aud` checked, and
    /// `iat` not in the future.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, String> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.dec, &self.validation)
            .map_err(|e| e.to_string())?;
        if data.header.alg != Algorithm::HS256 {
            return Err("unexpected algorithm".into());
        }
        if data.claims.iat > now + 5 {
            return Err("issued in the future".into());
        }
        Ok(data.claims)
    }
}

// --- TOTP (RFC 6238 over RFC 4226) --------------------------------------------------------------

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding.
#[must_use]
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in data {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// RFC 4648 base32 (padding and case ignored); `None` on other characters.
#[must_use]
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = B32.iter().position(|&x| x == c.to_ascii_uppercase())?;
        buf = (buf << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The HOTP value (RFC 4226, HMAC-SHA1, dynamic truncation) of `counter`, `digits` long.
#[must_use]
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else { return 0 };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[off] & 0x7f) << 24)
        | (u32::from(h[off + 1]) << 16)
        | (u32::from(h[off + 2]) << 8)
        | u32::from(h[off + 3]);
    bin % 10u32.pow(digits)
}

/// The TOTP step of a unix time.
#[must_use]
pub fn totp_step(unix: i64) -> i64 {
    unix.div_euclid(TOTP_STEP)
}

/// The step among `now`'s step +-1 whose 6-digit code equals `code`, if any (the latest first
/// is irrelevant: codes of distinct steps collide with probability 1e-6).
#[must_use]
pub fn totp_match(secret: &[u8], code: &str, now: i64) -> Option<i64> {
    if code.len() != TOTP_DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let step = totp_step(now);
    let mut found = None;
    for s in [step - 1, step, step + 1] {
        let Ok(counter) = u64::try_from(s) else { continue };
        let want = format!("{:06}", hotp(secret, counter, TOTP_DIGITS));
        if ct_eq(want.as_bytes(), code.as_bytes()) {
            found = Some(s);
        }
    }
    found
}

/// The otpauth:// provisioning URI (Key Uri Format) for authenticator apps.
#[must_use]
pub fn provisioning_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits=6&period=30",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// Ten fresh recovery codes, `xxxxx-xxxxx` in lower-case base32 (50 bits each).
#[must_use]
pub fn recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let s = base32_encode(&random_bytes::<8>())[..10].to_ascii_lowercase();
            format!("{}-{}", &s[..5], &s[5..])
        })
        .collect()
}

/// The stored form of a recovery code: sha256 of the code lower-cased without spaces or dashes.
#[must_use]
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    sha256_hex(&norm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_ids() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        // the digest of "abc" (FIPS 180-2, appendix B.1)
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let a = time_ordered_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = time_ordered_id();
        assert!(crate::market::is_record_id(&a) && crate::market::is_record_id(&b));
        assert!(a < b, "{a} then {b}");
        let ms = u64::from_str_radix(&a[..12], 16).unwrap();
        let now = u64::try_from(
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis(),
        )
        .unwrap();
        assert!(now - ms < 60_000, "{ms} vs {now}");
    }

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA1 rows (secret "12345678901234567890", 8 digits).
        let secret = b"12345678901234567890";
        let rows: [(i64, u32); 6] = [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ];
        for (t, want) in rows {
            let step = u64::try_from(totp_step(t)).unwrap();
            assert_eq!(hotp(secret, step, 8), want, "t = {t}");
            assert_eq!(hotp(secret, step, 6), want % 1_000_000, "t = {t}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        // RFC 4226 appendix D.
        let want = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (c, w) in want.iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", c as u64, 6), *w);
        }
    }

    #[test]
    fn totp_window_is_plus_minus_one_step() {
        let secret = b"12345678901234567890";
        let now = 1_234_567_890;
        let code = |s: i64| format!("{:06}", hotp(secret, u64::try_from(s).unwrap(), 6));
        let step = totp_step(now);
        for d in [-1, 0, 1] {
            assert_eq!(totp_match(secret, &code(step + d), now), Some(step + d));
        }
        for d in [-3, -2, 2, 3] {
            assert_eq!(totp_match(secret, &code(step + d), now), None);
        }
        assert_eq!(totp_match(secret, "12345", now), None);
        assert_eq!(totp_match(secret, "12345a", now), None);
    }

    #[test]
    fn base32_round_trips_rfc4648_vectors() {
        for (raw, enc) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(raw.as_bytes()), enc);
            assert_eq!(base32_decode(enc).unwrap(), raw.as_bytes());
        }
        assert_eq!(base32_decode("MZ!W6"), None);
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("correct horse batterY", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_normalised() {
        let codes = recovery_codes();
        assert_eq!(codes.len(), 10);
        let set: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(set.len(), 10);
        let c = &codes[0];
        assert_eq!(recovery_hash(c), recovery_hash(&c.to_ascii_uppercase().replace('-', " ")));
    }

    #[test]
    fn uri_encodes_the_account() {
        let u = provisioning_uri("Sextant", "a+b@x.io", "JBSWY3DP");
        assert_eq!(u, "otpauth://totp/Sextant:a%2Bb%40x.io?secret=JBSWY3DP&issuer=Sextant&algorithm=SHA1&digits=6&period=30");
    }
}
