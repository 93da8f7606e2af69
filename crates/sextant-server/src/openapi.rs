//! The OpenAPI 3.1 document, generated from the declarations: one path per function in
//! [`sextant_core::registry::REGISTRY`], request and response schemas built from each
//! function's [`FunctionInfo`]. Nothing here names a particular function.

use serde_json::{json, Map, Value as Json};
use sextant_core::decl::{FunctionDecl, FunctionInfo, InputInfo, OutputInfo, ParamInfo};

use crate::convert::value_to_json;

/// Path of the compute route of a function.
#[must_use]
pub fn compute_path(info: &FunctionInfo) -> String {
    format!("/v1/{}/{}", info.module, info.name)
}

fn param_schema(p: &ParamInfo) -> Json {
    let mut s = Map::new();
    let integral = matches!(p.kind, "int" | "matype");
    let ty = match p.kind {
        "int" | "matype" => json!("integer"),
        "float" => json!("number"),
        "optional_float" => json!(["number", "null"]),
        "bool" => json!("boolean"),
        // a JSON document (an object, or the same as JSON text) or null for "not given"
        "json" => json!(["object", "string", "null"]),
        _ => json!("string"),
    };
    s.insert("type".into(), ty);
    let bound = |b: Option<f64>| match b {
        #[allow(clippy::cast_possible_truncation, reason = "integer bounds are integral")]
        Some(x) if integral && x.is_finite() => Some(json!(x as i64)),
        Some(x) if x.is_finite() => Some(json!(x)),
        _ => None,
    };
    if let Some(b) = bound(p.min) {
        s.insert("minimum".into(), b);
    }
    if let Some(b) = bound(p.max) {
        s.insert("maximum".into(), b);
    }
    if !p.options.is_empty() {
        s.insert("enum".into(), json!(p.options));
    }
    s.insert("default".into(), value_to_json(&p.default));
    let mut doc = p.doc.to_owned();
    if p.kind == "matype" {
        doc.push_str(" (TA-Lib MA_Type code: 0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA, 5 TRIMA, 6 KAMA, 7 MAMA, 8 T3, ...)");
    }
    s.insert("description".into(), json!(doc));
    Json::Object(s)
}

fn input_schema(i: &InputInfo) -> Json {
    if i.kind == "json" {
        // a JSON document whose shape the function's doc describes; the example is declared
        let example: Json = serde_json::from_str(i.example).unwrap_or(Json::Null);
        return json!({"description": i.doc, "example": example});
    }
    if i.kind == "text" {
        return json!({"type": "string", "description": i.doc});
    }
    if i.kind == "text_list" {
        return json!({"type": "array", "description": i.doc, "items": {"type": "string"}});
    }
    if i.kind == "matrix" {
        json!({
            "type": "array",
            "description": format!("{} (a matrix: an array of rows of equal length)", i.doc),
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Number"}},
        })
    } else {
        json!({
            "type": "array",
            "description": i.doc,
            "items": {"$ref": "#/components/schemas/Number"},
        })
    }
}

fn record_schema(o: &OutputInfo) -> Json {
    let mut props: Map<String, Json> = o
        .fields
        .iter()
        .map(|f| ((*f).to_owned(), json!({"$ref": "#/components/schemas/Number"})))
        .collect();
    let mut required: Vec<&str> = o.fields.clone();
    if !o.labels.is_empty() {
        props.insert("label".into(), json!({"type": "string", "enum": o.labels}));
        required.push("label");
    }
    json!({"type": "object", "required": required, "properties": props})
}

fn output_schema_of(o: &OutputInfo) -> Json {
    match o.kind {
        "record" => record_schema(o),
        "record_list" => json!({"type": "array", "items": record_schema(o),
                                "description": "one record per input text, in order"}),
        "json" => {
            json!({"description": "a JSON document; the function's doc describes its fields"})
        }
        _ => output_schema(o.kind, o.dtype),
    }
}

fn output_schema(kind: &str, dtype: &str) -> Json {
    let item = if dtype == "i32" {
        json!({"type": "integer", "format": "int32"})
    } else {
        json!({"$ref": "#/components/schemas/Number"})
    };
    match kind {
        "scalar" => item,
        "per_column" => json!({
            "type": "array", "items": item,
            "description": "one value per column of the matrix input",
        }),
        "rolling" => json!({
            "type": "array", "items": item,
            "description": "one value per full window: n - window + 1 values",
        }),
        "square" => json!({
            "type": "array",
            "items": {"type": "array", "items": item},
            "description": "an n x n matrix as n rows of n values, n the columns of the matrix input",
        }),
        "grid" => json!({
            "type": "array",
            "items": {"type": "array", "items": item},
            "description": "a table as nested arrays: one row per point (the count parameter), one value per column of the matrix input",
        }),
        "per_step" => json!({
            "type": "array",
            "items": {"type": "array", "items": item},
            "description": "a table as nested arrays: [steps + 1][columns], one row per step",
        }),
        "paths" => json!({
            "type": "array",
            "items": {"anyOf": [item, {"type": "array"}]},
            "description": "simulated paths as nested arrays: [paths], [paths][steps + 1] with full_paths, with a trailing [assets] level when there are assets",
        }),
        "trimmed" | "vector" | "counted" => json!({
            "type": "array", "items": item,
            "description": match kind { "trimmed" => "shorter than the inputs (one value per pair of periods)", "counted" => "as many values as the count parameter says (NaN-padded)", _ => "a fixed number of values" },
        }),
        _ => json!({
            "type": "array", "items": item,
            "description": "same length as the inputs; warm-up values are null (0 for integers)",
        }),
    }
}

/// A deterministic example series for an input, chosen by the input's conventional name
/// (`open`, `high`, `low`, `returns`, `factor_returns`; anything else is a price-like series).
fn example_series(name: &str, n: usize) -> Vec<f64> {
    #[allow(clippy::cast_precision_loss, reason = "small indices")]
    let close = |i: usize| {
        let t = i as f64;
        ((100.0 + 4.0 * libm::sin(t / 3.0) + 0.25 * t + 1.5 * libm::cos(t * 1.7)) * 100.0).round()
            / 100.0
    };
    let open = |i: usize| if i == 0 { close(0) - 0.4 } else { close(i - 1) };
    let round = |x: f64| (x * 100.0).round() / 100.0;
    (0..n)
        .map(|i| match name {
            "open" => open(i),
            "high" => round(close(i).max(open(i)) + 0.8),
            "low" => round(close(i).min(open(i)) - 0.8),
            #[allow(clippy::cast_precision_loss, reason = "small indices")]
            "returns" | "arr" | "lhs" => {
                ((0.01 * libm::sin(i as f64 * 1.3) + 0.0008) * 1e5).round() / 1e5
            }
            // portfolio weights sum to 1; fan-chart percentiles lie in [0, 100]
            #[allow(clippy::cast_precision_loss, reason = "small counts")]
            "weights" => 1.0 / n as f64,
            #[allow(clippy::cast_precision_loss, reason = "small indices")]
            "percentiles" => (5.0 + 45.0 * i as f64).min(100.0),
            // a benchmark's returns: both up and down periods, so the capture ratios exist
            #[allow(clippy::cast_precision_loss, reason = "small indices")]
            "factor_returns" | "rhs" => {
                ((0.008 * libm::sin(i as f64 * 0.9 + 0.5) + 0.0005) * 1e5).round() / 1e5
            }
            _ => close(i),
        })
        .collect()
}

fn example_request(info: &FunctionInfo) -> Json {
    let n = info.default_lookback.unwrap_or(0) + 20;
    // beside the 3 x 3 example matrix, series are per-asset vectors (s0, mu): 3 values; a
    // returns matrix is 260 periods x 6 assets (enough for a year's momentum window and a
    // top 5), and a series beside it has one value per period (market returns)
    let has_matrix = info.inputs.iter().any(|i| i.kind == "matrix");
    let returns_matrix = info.inputs.iter().any(|i| i.kind == "matrix" && i.name == "returns");
    #[allow(clippy::cast_precision_loss, reason = "small indices")]
    let returns_rows = || -> Json {
        (0..260)
            .map(|r| {
                (0..6)
                    .map(|a| {
                        let x = 0.01 * libm::sin(r as f64 * (1.3 + 0.1 * a as f64) + a as f64)
                            + 0.0002 * a as f64;
                        (x * 1e5).round() / 1e5
                    })
                    .collect::<Vec<f64>>()
            })
            .collect::<Vec<_>>()
            .into()
    };
    let inputs: Map<String, Json> = info
        .inputs
        .iter()
        .map(|i| {
            let v = if i.kind == "json" {
                serde_json::from_str(i.example).unwrap_or(Json::Null)
            } else if i.kind == "text" {
                json!("Acme Corp shares surge after record quarterly revenue")
            } else if i.kind == "text_list" {
                json!([
                    "Acme Corp beats estimates",
                    "Globex cuts guidance",
                    "Initech holds meeting"
                ])
            } else if i.kind == "matrix" && returns_matrix {
                returns_rows()
            } else if i.kind == "matrix" {
                json!([[0.04, 0.006, 0.002], [0.006, 0.09, 0.003], [0.002, 0.003, 0.01]])
            } else if returns_matrix {
                json!(example_series("returns", 260))
            } else if i.name == "cashflows" {
                // a cash-flow schedule: one value is the same flow every step
                json!([100.0])
            } else if has_matrix {
                // a vector beside the 3 x 3 matrix has one value per column (mu, budgets)
                json!(example_series(i.name, 3))
            } else {
                json!(example_series(i.name, n.max(30)))
            };
            (i.name.to_owned(), v)
        })
        .collect();
    let params: Map<String, Json> = info
        .params
        .iter()
        .map(|p| {
            // an optional goal (simulate_portfolio) is given, so the example shows its probability
            let v = if p.name == "goal" { json!(20000.0) } else { value_to_json(&p.default) };
            (p.name.to_owned(), v)
        })
        .collect();
    json!({"inputs": inputs, "params": params})
}

fn error_responses() -> Map<String, Json> {
    let err = |d: &str, code: &str, message: &str, parameter: Option<&str>| {
        json!({"description": d, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "example": {"error": {"code": code, "message": message, "parameter": parameter}},
        }}})
    };
    let mut m = Map::new();
    m.insert(
        "400".into(),
        err(
            "Malformed JSON or an invalid header (MALFORMED_JSON, INVALID_HEADER)",
            "MALFORMED_JSON",
            "the body is not valid JSON: EOF while parsing an object at line 1 column 1",
            None,
        ),
    );
    m.insert(
        "404".into(),
        err("Unknown function", "UNKNOWN_FUNCTION", "unknown function `ta/XYZ`", None),
    );
    m.insert(
        "409".into(),
        err(
            "Idempotency key reused with a different request",
            "IDEMPOTENCY_KEY_REUSED",
            "idempotency key `k1` was already used for a different request",
            Some("Idempotency-Key"),
        ),
    );
    m.insert(
        "413".into(),
        err(
            "Body larger than the configured limit",
            "PAYLOAD_TOO_LARGE",
            "the body is larger than the limit of 16777216 bytes",
            None,
        ),
    );
    m.insert(
        "415".into(),
        err(
            "Content-Type is not application/json",
            "UNSUPPORTED_MEDIA_TYPE",
            "expected `Content-Type: application/json`, got `text/plain`",
            None,
        ),
    );
    m.insert(
        "422".into(),
        err(
            "Invalid inputs or parameters: the core's error code and the parameter at fault",
            "OUT_OF_RANGE",
            "parameter `timeperiod` = 0 is out of range: must be in [2, 100000]",
            Some("timeperiod"),
        ),
    );
    m.insert(
        "503".into(),
        err("Storage unavailable (only with an Idempotency-Key)", "STORE_UNAVAILABLE",
            "storage is unavailable: database error: pool timed out while waiting for an open connection", None),
    );
    m
}

fn compute_operation(info: &FunctionInfo) -> Json {
    let request = json!({
        "type": "object",
        "required": ["inputs"],
        "additionalProperties": false,
        "properties": {
            "inputs": {
                "type": "object",
                "additionalProperties": false,
                "required": info.inputs.iter().map(|i| i.name).collect::<Vec<_>>(),
                "properties": info.inputs.iter()
                    .map(|i| (i.name.to_owned(), input_schema(i))).collect::<Map<_, _>>(),
            },
            "params": {
                "type": "object",
                "additionalProperties": false,
                "properties": info.params.iter()
                    .map(|p| (p.name.to_owned(), param_schema(p))).collect::<Map<_, _>>(),
            },
        },
    });
    let response = json!({
        "type": "object",
        "required": ["module", "function", "params", "outputs"],
        "properties": {
            "module": {"type": "string", "const": info.module},
            "function": {"type": "string", "const": info.name},
            "params": {
                "type": "object",
                "description": "the parameters used, defaults filled in",
                "properties": info.params.iter()
                    .map(|p| (p.name.to_owned(), param_schema(p))).collect::<Map<_, _>>(),
            },
            "outputs": {
                "type": "object",
                "required": info.outputs.iter().map(|o| o.name).collect::<Vec<_>>(),
                "properties": info.outputs.iter()
                    .map(|o| (o.name.to_owned(), output_schema_of(o)))
                    .collect::<Map<_, _>>(),
            },
        },
    });
    let mut responses = error_responses();
    add_gate_responses(&mut responses);
    responses.insert(
        "200".into(),
        json!({"description": "The outputs",
               "content": {"application/json": {"schema": response}}}),
    );
    let mut description = info.doc.to_owned();
    if let Some(lb) = info.default_lookback {
        description.push_str(&format!("\n\nLookback with the default parameters: {lb}."));
    }
    json!({
        "tags": [info.module],
        "operationId": format!("{}_{}", info.module, info.name),
        "summary": format!("{}: {}", info.name, info.summary),
        "description": description,
        "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
        "security": [{}, {"bearer": []}],
        "requestBody": {
            "required": true,
            "content": {"application/json": {
                "schema": request,
                "example": example_request(info),
            }},
        },
        "responses": responses,
    })
}

fn info_schema() -> Json {
    json!({
        "type": "object",
        "required": ["name", "module", "group", "summary", "inputs", "params", "outputs"],
        "properties": {
            "name": {"type": "string"}, "module": {"type": "string"},
            "group": {"type": "string"}, "summary": {"type": "string"}, "doc": {"type": "string"},
            "inputs": {"type": "array", "items": {"type": "object"}},
            "params": {"type": "array", "items": {"type": "object"}},
            "outputs": {"type": "array", "items": {"type": "object"}},
            "streaming": {"type": "boolean"},
            "default_lookback": {"type": ["integer", "null"]},
        },
    })
}

fn error_ref(description: &str) -> Json {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The answers of the gate every `/v1` route passes: a bad token (401) and rate limits (429).
fn add_gate_responses(responses: &mut Map<String, Json>) {
    responses.insert(
        "401".into(),
        error_ref("A bearer token was sent but is invalid, expired or revoked (INVALID_TOKEN)"),
    );
    responses.insert(
        "429".into(),
        json!({"description": "Rate limit exhausted (RATE_LIMITED); Retry-After says when to retry",
            "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
    );
}

/// One accounts operation. `body`: the request schema (JSON object) if any; `auth`: whether a
/// bearer token is required; `ok`: the success status, description and schema (None: no body).
fn account_op(
    id: &str,
    summary: &str,
    auth: bool,
    body: Option<Json>,
    ok: (&str, &str, Option<Json>),
) -> Json {
    let mut responses = Map::new();
    responses
        .insert("400".into(), error_ref("Malformed JSON, or an invalid or used single-use token"));
    responses.insert("401".into(), error_ref("Missing, invalid, expired or revoked credentials"));
    responses.insert("403".into(), error_ref("The tier does not allow this route (FORBIDDEN)"));
    responses.insert("404".into(), error_ref("No such resource visible to the caller"));
    responses.insert("409".into(), error_ref("Conflicts with the account's state (CONFLICT)"));
    responses.insert("413".into(), error_ref("Body larger than 16 KiB"));
    responses.insert("415".into(), error_ref("Content-Type is not application/json"));
    responses.insert("422".into(), error_ref("A field is invalid (INVALID_FIELD, INVALID_BODY)"));
    responses.insert("503".into(), error_ref("Storage unavailable"));
    add_gate_responses(&mut responses);
    responses.insert(
        "429".into(),
        json!({"description": "Rate limit exhausted (RATE_LIMITED) or account locked after failed \
            sign-ins (ACCOUNT_LOCKED); Retry-After says when to retry",
            "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
    );
    let (status, description, schema) = ok;
    responses.insert(
        status.into(),
        match schema {
            Some(schema) => json!({"description": description,
                "content": {"application/json": {"schema": schema}}}),
            None => json!({"description": description}),
        },
    );
    let mut op = json!({
        "tags": [if id.starts_with("admin") { "admin" } else { "accounts" }],
        "operationId": id,
        "summary": summary,
        "security": if auth { json!([{"bearer": []}]) } else { json!([]) },
        "responses": responses,
    });
    if let Some(b) = body {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": b}}});
    }
    op
}

/// A closed JSON object schema with these string properties (`required` first). A new
/// password is 10 to 256 characters, an address at most 254 (the server checks more).
fn strings(required: &[&str], optional: &[&str]) -> Json {
    let props: Map<String, Json> = required
        .iter()
        .chain(optional)
        .map(|k| {
            let schema = match *k {
                "new_password" => json!({"type": "string", "minLength": 10, "maxLength": 256}),
                "email" => json!({"type": "string", "maxLength": 254}),
                _ => json!({"type": "string"}),
            };
            ((*k).to_owned(), schema)
        })
        .collect();
    json!({"type": "object", "additionalProperties": false, "required": required,
        "properties": props})
}

/// `password` of a registration is a new password.
fn new_password(mut schema: Json) -> Json {
    schema["properties"]["password"] = json!({"type": "string", "minLength": 10, "maxLength": 256});
    schema
}

fn id_param() -> Json {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}})
}

fn limit_param() -> Json {
    json!({"name": "limit", "in": "query", "required": false,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}})
}

fn accounts_paths(paths: &mut Map<String, Json>) {
    let r = |s: &str| json!({"$ref": format!("#/components/schemas/{s}")});
    let status = json!({"type": "object", "required": ["status"],
        "properties": {"status": {"type": "string"}, "message": {"type": "string"}}});
    let mut add = |path: &str, method: &str, op: Json| {
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = op;
    };
    add(
        "/v1/auth/register",
        "post",
        account_op(
            "register",
            "Create an account (a verification \
        e-mail follows; the same answer whether or not the address is taken)",
            false,
            Some(new_password(strings(&["email", "password"], &[]))),
            ("202", "accepted", Some(status.clone())),
        ),
    );
    add(
        "/v1/auth/verify-email",
        "post",
        account_op(
            "verify_email",
            "Confirm the e-mail address with the mailed single-use token",
            false,
            Some(strings(&["token"], &[])),
            ("200", "verified", Some(status.clone())),
        ),
    );
    add(
        "/v1/auth/login",
        "post",
        account_op(
            "login",
            "Sign in: an access token (15 min) and a \
        refresh token (30 days); accounts with 2FA also send totp_code or recovery_code",
            false,
            Some(strings(&["email", "password"], &["totp_code", "recovery_code"])),
            ("200", "signed in", Some(r("TokenPair"))),
        ),
    );
    add(
        "/v1/auth/refresh",
        "post",
        account_op(
            "refresh",
            "Trade a refresh token for a new pair \
        (rotation; presenting a spent token revokes its session)",
            false,
            Some(strings(&["refresh_token"], &[])),
            ("200", "new pair", Some(r("TokenPair"))),
        ),
    );
    add(
        "/v1/auth/logout",
        "post",
        account_op("logout", "Sign out of this session", true, None, ("204", "signed out", None)),
    );
    add(
        "/v1/auth/logout-all",
        "post",
        account_op(
            "logout_all",
            "Sign out of every session",
            true,
            None,
            (
                "200",
                "signed out",
                Some(json!({"type": "object", "required": ["revoked"],
            "properties": {"revoked": {"type": "integer"}}})),
            ),
        ),
    );
    add(
        "/v1/auth/password-reset/request",
        "post",
        account_op(
            "password_reset_request",
            "Mail a single-use reset token (1 hour); the same answer for unknown addresses",
            false,
            Some(strings(&["email"], &[])),
            ("202", "accepted", Some(status.clone())),
        ),
    );
    add(
        "/v1/auth/password-reset/confirm",
        "post",
        account_op(
            "password_reset_confirm",
            "Set a new password with a reset token; signs out every session",
            false,
            Some(strings(&["token", "new_password"], &[])),
            ("200", "changed", Some(status.clone())),
        ),
    );
    add(
        "/v1/auth/2fa/setup",
        "post",
        account_op(
            "totp_setup",
            "Start TOTP enrolment: a secret \
        and its otpauth:// URI (needs the password)",
            true,
            Some(strings(&["password"], &[])),
            (
                "200",
                "secret",
                Some(json!({"type": "object", "required": ["secret", "otpauth_uri"],
            "properties": {"secret": {"type": "string"}, "otpauth_uri": {"type": "string"}}})),
            ),
        ),
    );
    add(
        "/v1/auth/2fa/enable",
        "post",
        account_op(
            "totp_enable",
            "Finish enrolment with a \
        current code: returns 10 single-use recovery codes",
            true,
            Some(strings(&["code"], &[])),
            (
                "200",
                "enabled",
                Some(json!({"type": "object",
            "required": ["enabled", "recovery_codes"], "properties": {"enabled": {"type": "boolean"},
            "recovery_codes": {"type": "array", "items": {"type": "string"}}}})),
            ),
        ),
    );
    add(
        "/v1/auth/2fa/disable",
        "post",
        account_op(
            "totp_disable",
            "Turn 2FA off (password and \
        a code or recovery code)",
            true,
            Some(strings(&["password"], &["totp_code", "recovery_code"])),
            (
                "200",
                "disabled",
                Some(json!({"type": "object", "required": ["enabled"],
            "properties": {"enabled": {"type": "boolean"}}})),
            ),
        ),
    );
    add(
        "/v1/account",
        "get",
        account_op(
            "account",
            "The signed-in account",
            true,
            None,
            ("200", "the account", Some(r("Account"))),
        ),
    );
    add(
        "/v1/account/sessions",
        "get",
        account_op(
            "sessions",
            "The account's sessions",
            true,
            None,
            (
                "200",
                "sessions",
                Some(json!({"type": "object", "required": ["sessions"],
            "properties": {"sessions": {"type": "array", "items": r("Session")}}})),
            ),
        ),
    );
    let mut revoke = account_op(
        "revoke_session",
        "Revoke one of the account's sessions",
        true,
        None,
        ("204", "revoked", None),
    );
    revoke["parameters"] = json!([id_param()]);
    add("/v1/account/sessions/{id}", "delete", revoke);
    let entries = json!({"type": "object", "required": ["entries"],
        "properties": {"entries": {"type": "array", "items": r("AuditEntry")}}});
    let mut mine = account_op(
        "account_audit",
        "The audit entries about the account, newest \
        first",
        true,
        None,
        ("200", "entries", Some(entries.clone())),
    );
    mine["parameters"] = json!([limit_param()]);
    add("/v1/account/audit", "get", mine);
    add(
        "/v1/account/export",
        "get",
        account_op(
            "account_export",
            "GDPR export: every stored \
        fact about the account as JSON",
            true,
            None,
            (
                "200",
                "the export",
                Some(json!({"type": "object", "required": ["account", "sessions", "audit"]})),
            ),
        ),
    );
    add(
        "/v1/account/delete",
        "post",
        account_op(
            "account_delete",
            "GDPR erasure: delete the \
        account (audit entries are kept under a pseudonym); needs the password",
            true,
            Some(strings(&["password"], &[])),
            ("204", "deleted", None),
        ),
    );
    let mut users = account_op(
        "admin_users",
        "Every account (admin tier)",
        true,
        None,
        (
            "200",
            "accounts",
            Some(json!({"type": "object", "required": ["users"],
            "properties": {"users": {"type": "array", "items": r("AdminUser")}}})),
        ),
    );
    users["parameters"] = json!([limit_param(), {"name": "offset", "in": "query",
        "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 1_000_000_000}}]);
    add("/v1/admin/users", "get", users);
    let mut one = account_op(
        "admin_user",
        "One account (admin tier)",
        true,
        None,
        ("200", "the account", Some(r("AdminUser"))),
    );
    one["parameters"] = json!([id_param()]);
    add("/v1/admin/users/{id}", "get", one);
    let mut tier = account_op(
        "admin_set_tier",
        "Change an account's tier (admin tier)",
        true,
        Some(json!({"type": "object", "additionalProperties": false, "required": ["tier"],
            "properties": {"tier": {"type": "string",
                "enum": ["explorer", "pro", "enterprise", "admin"]}}})),
        ("200", "the account", Some(r("AdminUser"))),
    );
    tier["parameters"] = json!([id_param()]);
    add("/v1/admin/users/{id}/tier", "put", tier);
    let mut all = account_op(
        "admin_audit",
        "The whole audit log, newest first (admin tier)",
        true,
        None,
        ("200", "entries", Some(entries)),
    );
    all["parameters"] = json!([limit_param()]);
    add("/v1/admin/audit", "get", all);
}

fn account_schemas() -> Map<String, Json> {
    let mut m = Map::new();
    m.insert("TokenPair".into(), json!({"type": "object",
        "required": ["access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"],
        "properties": {"access_token": {"type": "string"}, "token_type": {"const": "Bearer"},
            "expires_in": {"type": "integer"}, "refresh_token": {"type": "string"},
            "refresh_expires_in": {"type": "integer"}}}));
    m.insert(
        "Account".into(),
        json!({"type": "object",
        "required": ["id", "email", "tier", "email_verified", "totp_enabled", "created_at"],
        "properties": {"id": {"type": "string"}, "email": {"type": "string"},
            "tier": {"enum": ["explorer", "pro", "enterprise", "admin"]},
            "email_verified": {"type": "boolean"}, "totp_enabled": {"type": "boolean"},
            "recovery_codes_left": {"type": "integer"}, "created_at": {"type": "integer"}}}),
    );
    m.insert(
        "AdminUser".into(),
        json!({"type": "object",
        "required": ["id", "email", "tier", "locked"],
        "properties": {"id": {"type": "string"}, "email": {"type": "string"},
            "tier": {"enum": ["explorer", "pro", "enterprise", "admin"]},
            "email_verified": {"type": "boolean"}, "totp_enabled": {"type": "boolean"},
            "locked": {"type": "boolean"}, "created_at": {"type": "integer"}}}),
    );
    m.insert(
        "Session".into(),
        json!({"type": "object",
        "required": ["id", "created_at", "current"],
        "properties": {"id": {"type": "string"}, "created_at": {"type": "integer"},
            "revoked_at": {"type": ["integer", "null"]}, "ip": {"type": "string"},
            "user_agent": {"type": "string"}, "current": {"type": "boolean"}}}),
    );
    m.insert(
        "AuditEntry".into(),
        json!({"type": "object",
        "required": ["id", "at", "action"],
        "properties": {"id": {"type": "integer"}, "at": {"type": "integer"},
            "actor": {"type": ["string", "null"]}, "action": {"type": "string"},
            "target": {"type": ["string", "null"]}, "ip": {"type": ["string", "null"]},
            "user_agent": {"type": ["string", "null"]}, "detail": {"type": "object"}}}),
    );
    m
}

/// The OpenAPI 3.1 document for these declarations.
#[must_use]
pub fn document(registry: &[&FunctionDecl]) -> Json {
    let infos: Vec<FunctionInfo> = registry.iter().map(|d| d.info()).collect();
    let json_ok = |d: &str, schema: Json| json!({"200": {"description": d, "content": {"application/json": {"schema": schema}}}});
    let mut paths = Map::new();
    paths.insert(
        "/health".into(),
        json!({"get": {"tags": ["service"], "operationId": "health",
            "summary": "Liveness: the process answers",
            "responses": json_ok("alive", json!({"type": "object",
                "required": ["status"], "properties": {"status": {"const": "ok"},
                "version": {"type": "string"}}}))}}),
    );
    let mut ready = json_ok(
        "ready: the database answers",
        json!({"type": "object", "required": ["status", "database"],
            "properties": {"status": {"const": "ready"}, "database": {"type": "string"}}}),
    );
    ready["503"] = json!({"description": "the database does not answer",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    paths.insert(
        "/ready".into(),
        json!({"get": {"tags": ["service"], "operationId": "ready",
            "summary": "Readiness: the database answers", "responses": ready}}),
    );
    let mut list = json_ok(
        "the catalogue",
        json!({"type": "object",
        "required": ["functions"], "properties": {"functions": {"type": "array",
        "items": {"$ref": "#/components/schemas/FunctionInfo"}}}}),
    );
    if let Some(m) = list.as_object_mut() {
        add_gate_responses(m);
    }
    paths.insert(
        "/v1/functions".into(),
        json!({"get": {"tags": ["catalogue"], "operationId": "list_functions",
            "summary": "Every declared function: inputs, parameters, outputs",
            "security": [{}, {"bearer": []}], "responses": list}}),
    );
    let mut one = json_ok("one function", json!({"$ref": "#/components/schemas/FunctionInfo"}));
    one["404"] = json!({"description": "unknown function",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    if let Some(m) = one.as_object_mut() {
        add_gate_responses(m);
    }
    // the declared modules and names, so a client (and schemathesis) finds real functions
    let mut catalogue_modules: Vec<&str> = infos.iter().map(|i| i.module).collect();
    catalogue_modules.dedup();
    let mut catalogue_names: Vec<&str> = infos.iter().map(|i| i.name).collect();
    catalogue_names.sort_unstable();
    catalogue_names.dedup();
    paths.insert(
        "/v1/functions/{module}/{name}".into(),
        json!({"get": {"tags": ["catalogue"], "operationId": "describe_function",
            "summary": "One declared function",
            "security": [{}, {"bearer": []}],
            "parameters": [
                {"name": "module", "in": "path", "required": true, "example": "ta",
                 "schema": {"type": "string", "enum": catalogue_modules}},
                {"name": "name", "in": "path", "required": true, "example": "RSI",
                 "schema": {"type": "string", "enum": catalogue_names}}],
            "responses": one}}),
    );
    for info in &infos {
        paths.insert(compute_path(info), json!({"post": compute_operation(info)}));
    }
    accounts_paths(&mut paths);
    crate::openapi_platform::paths(&mut paths);
    crate::openapi_platform::job_paths(&mut paths);
    crate::openapi_platform::autoindex_paths(&mut paths);
    crate::openapi_platform::news_paths(&mut paths);
    crate::openapi_platform::realtime_paths(&mut paths);
    paths.insert(
        "/metrics".into(),
        json!({"get": {"tags": ["service"], "operationId": "metrics",
            "summary": "Prometheus metrics (text format 0.0.4): requests, latency, jobs",
            "responses": {
                "200": {"description": "the metrics",
                        "content": {"text/plain": {"schema": {"type": "string"}}}},
                "401": {"description": "SEXTANT_METRICS_TOKEN is set and the bearer token \
                         does not match",
                        "content": {"application/json":
                            {"schema": {"$ref": "#/components/schemas/Error"}}}}}}}),
    );
    let mut modules: Vec<&str> = infos.iter().map(|i| i.module).collect();
    modules.dedup();
    let mut tags = vec![
        json!({"name": "service", "description": "Liveness and readiness"}),
        json!({"name": "catalogue", "description": "The declared functions"}),
        json!({"name": "accounts", "description": "Registration, sign-in, sessions, 2FA, the \
            account's data (docs/accounts.md)"}),
        json!({"name": "admin", "description": "Accounts administration (admin tier)"}),
        json!({"name": "market", "description": "Instruments, OHLCV bars, corporate actions \
            and functions over stored bars (docs/platform.md)"}),
        json!({"name": "portfolios", "description": "Portfolios, transactions, CSV imports, \
            holdings, performance and risk (docs/platform.md)"}),
        json!({"name": "strategies", "description": "AutoIndex strategies per user: backtests \
            over stored bars, simulation, rebalances on demand and on schedule (docs/platform.md)"}),
        json!({"name": "news", "description": "News items scored and tagged with the \
            instruments they mention (docs/platform.md)"}),
        json!({"name": "jobs", "description": "Declared functions run in the background, \
            with status, cancel and results (docs/platform.md)"}),
        json!({"name": "realtime", "description": "Live quotes, streaming indicators, alerts \
            and the WebSocket stream (docs/realtime.md)"}),
    ];
    tags.extend(modules.iter().map(|m| json!({"name": m})));
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sextant",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Sextant's analytics core over HTTP. Every declared function is \
                POST /v1/{module}/{name}. NaN travels as null in both directions; the \
                infinities as the strings \"Infinity\" and \"-Infinity\". Errors are \
                {\"error\": {\"code\", \"message\", \"parameter\"}}.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": {
                "Number": {
                    "description": "a number; null stands for NaN; \"Infinity\" / \"-Infinity\"",
                    "examples": [101.25, null],
                    "anyOf": [
                        {"type": ["number", "null"]},
                        {"type": "string", "enum": ["Infinity", "-Infinity"]},
                    ],
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {
                        "type": "object",
                        "required": ["code", "message", "parameter"],
                        "properties": {
                            "code": {"type": "string", "examples": ["OUT_OF_RANGE"]},
                            "message": {"type": "string"},
                            "parameter": {"type": ["string", "null"]},
                        },
                    }},
                },
                "FunctionInfo": info_schema(),
            },
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An access token from POST /v1/auth/login (HS256, 15 min). \
                        The analytics routes also accept anonymous calls (rate limited per \
                        address).",
                },
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": false,
                    "description": "Retry-safe key: a repeat of the same request returns the \
                        stored response; the same key with another request is a 409.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                               "pattern": "^[\\x21-\\x7E]+$"},
                },
            },
        },
    });
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.extend(account_schemas());
        schemas.extend(crate::openapi_platform::schemas());
        schemas.extend(crate::openapi_platform::job_schemas());
        schemas.extend(crate::openapi_platform::autoindex_schemas());
        schemas.extend(crate::openapi_platform::news_schemas());
        schemas.extend(crate::openapi_platform::realtime_schemas());
    }
    doc
}
