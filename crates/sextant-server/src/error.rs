//! The server's one error type and its one mapping to HTTP.
//!
//! Every failure a client can cause becomes a 4xx response with the body
//! `{"error": {"code": "...", "message": "...", "parameter": "..." | null}}`. Core errors keep the
//! core's stable codes ([`sextant_core::Error::code`]) and name the parameter or input at fault.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The core rejected the inputs or parameters (422, the core's code).
    #[error(transparent)]
    Core(#[from] sextant_core::Error),
    /// The body is not JSON (400).
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body is JSON of the wrong shape (422).
    #[error("the body does not match the request schema: {0}")]
    InvalidBody(String),
    /// The request has no `Content-Type: application/json` (415).
    #[error("expected `Content-Type: application/json`, got {0}")]
    UnsupportedMediaType(String),
    /// The body is larger than the configured limit (413).
    #[error("the body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The body could not be read (400).
    #[error("the body could not be read: {0}")]
    BadBody(String),
    /// No declared function by that module and name (404).
    #[error("unknown function `{module}/{name}`; GET /v1/functions lists them")]
    UnknownFunction {
        /// Module asked for.
        module: String,
        /// Name asked for.
        name: String,
    },
    /// No route at that path (404).
    #[error("no route for {0}")]
    NotFound(String),
    /// The route exists but not with this method (405).
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// A request header is invalid (400).
    #[error("header `{header}` is invalid: {reason}")]
    InvalidHeader {
        /// Header name.
        header: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// An idempotency key was reused with a different request (409).
    #[error("idempotency key `{0}` was already used for a different request")]
    IdempotencyConflict(String),
    /// The database is unreachable or failed (503).
    #[error("storage is unavailable: {0}")]
    Store(#[from] StoreError),
    /// Missing, malformed, expired or revoked credentials (401, `WWW-Authenticate: Bearer`).
    #[error("{message}")]
    Unauthorized {
        /// Stable code: `UNAUTHENTICATED`, `INVALID_TOKEN`, `INVALID_CREDENTIALS`,
        /// `TOTP_REQUIRED`, `INVALID_TOTP`, `REFRESH_TOKEN_REUSED`.
        code: &'static str,
        /// Explanation.
        message: String,
    },
    /// Signed in, but the tier does not allow this route (403).
    #[error("{0}")]
    Forbidden(String),
    /// A rate limit is exhausted (429 with `Retry-After`).
    #[error("rate limit of {limit} requests per minute exceeded; retry in {retry_after} s")]
    RateLimited {
        /// The limit that applied, per minute.
        limit: u32,
        /// Seconds until a request is accepted again.
        retry_after: u64,
    },
    /// Too many consecutive failed sign-ins (429 with `Retry-After`).
    #[error(
        "too many failed sign-in attempts: the account is locked for {retry_after} more \
         seconds; wait, or reset the password"
    )]
    AccountLocked {
        /// Seconds until sign-in is possible again.
        retry_after: u64,
    },
    /// A field of a request body is invalid (422).
    #[error("field `{field}` is invalid: {reason}")]
    InvalidField {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A single-use token is unknown, already used or expired (400).
    #[error("the {0} token is invalid, already used or expired")]
    BadToken(&'static str),
    /// The request conflicts with the account's state (409).
    #[error("{0}")]
    Conflict(String),
    /// No resource of this kind with this id that the caller may see (404).
    #[error("no {0} with this id")]
    NoSuchResource(&'static str),
    /// Rows of an uploaded file (CSV or a JSON array) are invalid; nothing was written (422).
    #[error("{count} invalid row(s) in the {what}; nothing was written", count = rows.len())]
    InvalidRows {
        /// What was uploaded (`bars`, `transactions`).
        what: &'static str,
        /// Every problem found, by row.
        rows: Vec<crate::csv::RowError>,
    },
    /// The caller has as many queued or running jobs as its tier allows (429).
    #[error("{limit} jobs are queued or running, the most the {tier} tier allows; wait for one to finish or cancel one")]
    TooManyJobs {
        /// The tier's limit.
        limit: i64,
        /// The caller's tier.
        tier: String,
    },
    /// A bug on our side: a panic in a handler (500). Never caused by request content alone.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The JSON error body.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Inside [`ErrorBody`].
#[derive(Debug, Serialize)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Human-readable explanation naming the value and the bound.
    pub message: String,
    /// The parameter or input at fault, when there is one.
    pub parameter: Option<String>,
}

impl ApiError {
    /// HTTP status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Core(_) | Self::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MalformedJson(_) | Self::BadBody(_) | Self::InvalidHeader { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnknownFunction { .. } | Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::IdempotencyConflict(_) | Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } | Self::AccountLocked { .. } | Self::TooManyJobs { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::InvalidField { .. } | Self::InvalidRows { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::BadToken(_) => StatusCode::BAD_REQUEST,
            Self::NoSuchResource(_) => StatusCode::NOT_FOUND,
            Self::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable code: the core's for core errors, the server's own otherwise.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Core(e) => e.code(),
            Self::MalformedJson(_) => "MALFORMED_JSON",
            Self::InvalidBody(_) => "INVALID_BODY",
            Self::UnsupportedMediaType(_) => "UNSUPPORTED_MEDIA_TYPE",
            Self::PayloadTooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::BadBody(_) => "BAD_BODY",
            Self::UnknownFunction { .. } => "UNKNOWN_FUNCTION",
            Self::NotFound(_) => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::InvalidHeader { .. } => "INVALID_HEADER",
            Self::IdempotencyConflict(_) => "IDEMPOTENCY_KEY_REUSED",
            Self::Unauthorized { code, .. } => code,
            Self::Forbidden(_) => "FORBIDDEN",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::AccountLocked { .. } => "ACCOUNT_LOCKED",
            Self::InvalidField { .. } => "INVALID_FIELD",
            Self::InvalidRows { .. } => "INVALID_ROWS",
            Self::BadToken(_) => "INVALID_OR_EXPIRED_TOKEN",
            Self::Conflict(_) => "CONFLICT",
            Self::NoSuchResource(_) => "NOT_FOUND",
            Self::Store(_) => "STORE_UNAVAILABLE",
            Self::TooManyJobs { .. } => "TOO_MANY_JOBS",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The parameter, input or header at fault.
    #[must_use]
    pub fn parameter(&self) -> Option<String> {
        match self {
            Self::Core(e) => e.subject().map(str::to_owned),
            Self::InvalidHeader { header, .. } => Some((*header).to_owned()),
            Self::IdempotencyConflict(_) => Some("Idempotency-Key".to_owned()),
            Self::InvalidField { field, .. } => Some((*field).to_owned()),
            Self::Unauthorized { .. } => Some("Authorization".to_owned()),
            _ => None,
        }
    }

    /// The JSON body.
    #[must_use]
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
                parameter: self.parameter(),
            },
        }
    }

    /// The serialised body (the bytes an idempotent replay returns).
    #[must_use]
    pub fn body_bytes(&self) -> Vec<u8> {
        // Serialising strings into a Vec cannot fail.
        if let Self::InvalidRows { rows, .. } = self {
            // The common body plus every row error (at most 1000 listed).
            let mut v = serde_json::to_value(self.body()).unwrap_or_default();
            v["rows"] = serde_json::to_value(&rows[..rows.len().min(1000)]).unwrap_or_default();
            return serde_json::to_vec(&v).unwrap_or_default();
        }
        serde_json::to_vec(&self.body()).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "request failed");
        } else {
            tracing::info!(code = self.code(), error = %self, "request rejected");
        }
        let mut res = json_response(status, self.body_bytes());
        match self {
            Self::RateLimited { retry_after, .. } | Self::AccountLocked { retry_after } => {
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            }
            Self::Unauthorized { .. } => {
                res.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        res
    }
}

/// A response with a JSON body given as bytes.
pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}
