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
        ((100.0 + 4.0 * (t / 3.0).sin() + 0.25 * t + 1.5 * (t * 1.7).cos()) * 100.0).round() / 100.0
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
                ((0.01 * (i as f64 * 1.3).sin() + 0.0008) * 1e5).round() / 1e5
            }
            // a benchmark's returns: both up and down periods, so the capture ratios exist
            #[allow(clippy::cast_precision_loss, reason = "small indices")]
            "factor_returns" | "rhs" => {
                ((0.008 * (i as f64 * 0.9 + 0.5).sin() + 0.0005) * 1e5).round() / 1e5
            }
            _ => close(i),
        })
        .collect()
}

fn example_request(info: &FunctionInfo) -> Json {
    let n = info.default_lookback.unwrap_or(0) + 20;
    // beside the 3 x 3 example matrix, series are per-asset vectors (s0, mu): 3 values
    let has_matrix = info.inputs.iter().any(|i| i.kind == "matrix");
    let inputs: Map<String, Json> = info
        .inputs
        .iter()
        .map(|i| {
            let v = if i.kind == "text" {
                json!("Acme Corp shares surge after record quarterly revenue")
            } else if i.kind == "text_list" {
                json!([
                    "Acme Corp beats estimates",
                    "Globex cuts guidance",
                    "Initech holds meeting"
                ])
            } else if i.kind == "matrix" {
                json!([[0.04, 0.006, 0.002], [0.006, 0.09, 0.003], [0.002, 0.003, 0.01]])
            } else if has_matrix {
                json!(example_series(i.name, 3))
            } else {
                json!(example_series(i.name, n.max(30)))
            };
            (i.name.to_owned(), v)
        })
        .collect();
    let params: Map<String, Json> =
        info.params.iter().map(|p| (p.name.to_owned(), value_to_json(&p.default))).collect();
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
    paths.insert(
        "/v1/functions".into(),
        json!({"get": {"tags": ["catalogue"], "operationId": "list_functions",
            "summary": "Every declared function: inputs, parameters, outputs",
            "responses": json_ok("the catalogue", json!({"type": "object",
                "required": ["functions"], "properties": {"functions": {"type": "array",
                "items": {"$ref": "#/components/schemas/FunctionInfo"}}}}))}}),
    );
    let mut one = json_ok("one function", json!({"$ref": "#/components/schemas/FunctionInfo"}));
    one["404"] = json!({"description": "unknown function",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    paths.insert(
        "/v1/functions/{module}/{name}".into(),
        json!({"get": {"tags": ["catalogue"], "operationId": "describe_function",
            "summary": "One declared function",
            "parameters": [
                {"name": "module", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": one}}),
    );
    for info in &infos {
        paths.insert(compute_path(info), json!({"post": compute_operation(info)}));
    }
    let mut modules: Vec<&str> = infos.iter().map(|i| i.module).collect();
    modules.dedup();
    let mut tags = vec![
        json!({"name": "service", "description": "Liveness and readiness"}),
        json!({"name": "catalogue", "description": "The declared functions"}),
    ];
    tags.extend(modules.iter().map(|m| json!({"name": m})));
    json!({
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
    })
}
