//! `sentiment.extract_entities`, `entity_sentiment` and `aggregate` through the registry (what
//! every adapter calls): spans in three units, typed errors naming the input, and the
//! aggregation's closed forms (trading-day assignment on the XNYS calendar in New York time,
//! mean, population std, half-life decay).

use serde_json::{json, Value};
use sextant_core::decl::{InputData, OutVec, Value as P};
use sextant_core::registry::find;

const UNIVERSE: &str = r#"[{"symbol": "AAPL", "names": ["Apple", "Apple Inc"]},
    {"symbol": "T", "names": "AT&T"}, {"symbol": "MSFT", "name": "Microsoft", "aliases": ["MSFT Corp"]}]"#;

#[allow(clippy::panic_in_result_fn, reason = "a wrong output kind is a test failure")]
fn call(name: &str, inputs: &[InputData<'_>], params: &[(&str, P)]) -> sextant_core::Result<Value> {
    let d = find("sentiment", name).expect("declared");
    let out = d.call(inputs, &d.params_named(params.iter().cloned())?)?;
    let OutVec::Json(text) = &out[0] else { panic!("json output expected") };
    Ok(serde_json::from_str(text).expect("valid JSON"))
}

fn extract(text: &str, universe: &str) -> sextant_core::Result<Value> {
    call("extract_entities", &[InputData::Text(text), InputData::Json(universe)], &[])
}

fn aggregate(items: &Value, universe: &str, options: &str, half_life: f64) -> Value {
    let items = items.to_string();
    call(
        "aggregate",
        &[InputData::Json(&items), InputData::Json(universe), InputData::Json(options)],
        &[("half_life", P::Float(half_life))],
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

#[test]
fn extract_entities_spans_in_code_points_utf16_and_bytes() {
    // "é" is 1 code point, 1 UTF-16 unit, 2 bytes; "😀" is 1 code point, 2 units, 4 bytes
    let text = "😀 Café news: Apple (AAPL) and $T rise";
    let v = extract(text, UNIVERSE).unwrap();
    let ms = v.as_array().unwrap();
    let syms: Vec<&str> = ms.iter().map(|m| m["symbol"].as_str().unwrap()).collect();
    assert_eq!(syms, ["AAPL", "AAPL", "T"]);
    // "Apple" starts after "😀 Café news: ": 13 code points, 14 UTF-16 units, 17 bytes
    let apple = &ms[0];
    assert_eq!(apple["text"], "Apple");
    assert_eq!((apple["start"].as_u64(), apple["end"].as_u64()), (Some(13), Some(18)));
    assert_eq!((apple["start_utf16"].as_u64(), apple["end_utf16"].as_u64()), (Some(14), Some(19)));
    assert_eq!((apple["start_byte"].as_u64(), apple["end_byte"].as_u64()), (Some(17), Some(22)));
    assert_eq!(apple["kind"], "name");
    let cash = &ms[2];
    assert_eq!((cash["text"].as_str(), cash["kind"].as_str()), (Some("$T"), Some("cashtag")));
    assert_eq!(cash["confidence"].as_f64(), Some(0.99));
    // every record's three spans cut the same text out of the string
    let chars: Vec<char> = text.chars().collect();
    let units: Vec<u16> = text.encode_utf16().collect();
    for m in ms {
        let u = |k: &str| usize::try_from(m[k].as_u64().unwrap()).unwrap();
        let want = m["text"].as_str().unwrap();
        assert_eq!(chars[u("start")..u("end")].iter().collect::<String>(), want);
        assert_eq!(String::from_utf16(&units[u("start_utf16")..u("end_utf16")]).unwrap(), want);
        assert_eq!(&text[u("start_byte")..u("end_byte")], want);
    }
    // the object form of the universe finds the same
    let v2 = extract(text, r#"{"AAPL": ["Apple"], "T": "AT&T"}"#).unwrap();
    assert_eq!(v2.as_array().unwrap().len(), 3);
    // ambiguous tickers need strong contexts
    assert!(extract("It is a T-bill", UNIVERSE).unwrap().as_array().unwrap().is_empty());
}

#[test]
fn entity_errors_name_the_input() {
    let e = |u: &str| extract("Apple", u).unwrap_err().to_string();
    assert!(e(r#"[{"names": ["Apple"]}]"#).contains("universe[0].symbol"), "{}", e("[{}]"));
    assert!(e(r#"[{"symbol": "A"}, {"symbol": 3}]"#).contains("universe[1].symbol"));
    assert!(e(r#"[{"symbol": "A", "names": [1]}]"#).contains("universe[0].names[0]"));
    assert!(e(r#"[{"symbol": "A"}, {"symbol": "a"}]"#).contains("appears twice"));
    assert!(e("42").contains("universe"));
    assert!(e("not json").contains("universe"));
    let bad_model = call(
        "entity_sentiment",
        &[InputData::Text("x"), InputData::Json(UNIVERSE)],
        &[("model", P::Str("bert".into()))],
    )
    .unwrap_err();
    assert_eq!(bad_model.code(), "UNKNOWN_OPTION");
}

#[test]
fn entity_sentiment_is_the_mean_of_the_sentences_naming_it() {
    use sextant_core::sentiment::{score, Model};
    // ("Apple" opening a sentence with no finance word after it would not count: it is also a fruit)
    let text = "Apple beats estimates. AT&T cuts its dividend. Shares of Apple and AT&T were flat.";
    for model in ["finance", "vader"] {
        let v = call(
            "entity_sentiment",
            &[InputData::Text(text), InputData::Json(UNIVERSE)],
            &[("model", P::Str(model.into()))],
        )
        .unwrap();
        let m = Model::parse(model).unwrap();
        let s = |t: &str| score(t, m, 0.05).unwrap().score;
        let last = s(" Shares of Apple and AT&T were flat.");
        let rows = v.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["symbol"], "AAPL");
        assert!(close(
            rows[0]["score"].as_f64().unwrap(),
            (s("Apple beats estimates.") + last) / 2.0
        ));
        assert_eq!(
            (rows[0]["sentences"].as_u64(), rows[0]["mentions"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(rows[1]["symbol"], "T");
        assert!(close(
            rows[1]["score"].as_f64().unwrap(),
            (s(" AT&T cuts its dividend.") + last) / 2.0
        ));
    }
}

/// Six items on the XNYS calendar (New York time, close 16:00), scores given: the trading
/// days, counts, means, population stds and decayed means are written out by hand.
#[test]
fn aggregate_closed_forms() {
    let items = json!([
        // Tue 2024-01-02 09:30 New York: Jan 2
        {"time": "2024-01-02T14:30:00Z", "score": 0.5, "symbols": ["AAPL"]},
        // 15:00 New York, offset form: Jan 2
        {"time": "2024-01-02T15:00:00-05:00", "score": -0.1, "symbols": ["AAPL", "MSFT"], "source": "wire"},
        // exactly 16:00 New York: at the close, so Wed Jan 3
        {"time": "2024-01-02T21:00:00Z", "score": 0.3, "symbol": "AAPL"},
        // Fri Jan 5 17:00 New York: after the close, Saturday, rolls to Mon Jan 8
        {"time": "2024-01-05T22:00:00Z", "score": 0.9, "symbols": ["MSFT"]},
        // Sat Jan 13: Monday Jan 15 is Martin Luther King Jr. Day, so Tue Jan 16
        {"time": "2024-01-13T15:00:00Z", "score": -0.4, "symbols": ["AAPL"]},
        // epoch seconds: 2024-01-16T15:00:00Z, Tue Jan 16
        {"time": 1_705_417_200, "score": 0.2, "symbols": ["AAPL"]},
    ]);
    let v = aggregate(&items, "null", "null", 24.0);
    let days = v["days"].as_array().unwrap();
    let row = |d: &str, s: &str| {
        days.iter().find(|r| r["day"] == d && r["symbol"] == s).unwrap_or_else(|| panic!("{d} {s}"))
    };
    assert_eq!(days.len(), 5);
    let w = |hours: f64| 2f64.powf(-hours / 24.0);
    let num = |r: &Value, k: &str| r[k].as_f64().unwrap();

    // AAPL Jan 2: 0.5 at 6.5 h before the close (21:00Z), -0.1 at 1 h
    let r = row("2024-01-02", "AAPL");
    assert_eq!(r["count"], 2);
    assert!(close(num(r, "mean"), 0.2));
    assert!(close(num(r, "std"), 0.3));
    let want = (0.5 * w(6.5) - 0.1 * w(1.0)) / (w(6.5) + w(1.0));
    assert!(close(num(r, "decayed"), want), "{} {want}", num(r, "decayed"));
    // AAPL Jan 3: 0.3 at 24 h before the close, and Jan 2's items at 30.5 h and 25 h
    let r = row("2024-01-03", "AAPL");
    assert_eq!(r["count"], 1);
    assert!(close(num(r, "mean"), 0.3) && num(r, "std") == 0.0);
    let want = (0.5 * w(30.5) - 0.1 * w(25.0) + 0.3 * w(24.0)) / (w(30.5) + w(25.0) + w(24.0));
    assert!(close(num(r, "decayed"), want));
    // MSFT Jan 2 alone: everything equals its one score
    let r = row("2024-01-02", "MSFT");
    assert!(close(num(r, "mean"), -0.1) && close(num(r, "decayed"), -0.1));
    // MSFT Jan 8 (close 2024-01-08T21:00Z): 0.9 at 71 h, -0.1 at 6 days + 1 h = 145 h
    let r = row("2024-01-08", "MSFT");
    let want = (0.9 * w(71.0) - 0.1 * w(145.0)) / (w(71.0) + w(145.0));
    assert!(close(num(r, "decayed"), want));
    // AAPL Jan 16 (close 21:00Z): -0.4 at 78 h, 0.2 at 6 h; older items at 14 days + ...
    let r = row("2024-01-16", "AAPL");
    assert_eq!(r["count"], 2);
    assert!(close(num(r, "mean"), -0.1) && close(num(r, "std"), 0.3));
    let old = [(0.5, 14.0 * 24.0 + 6.5), (-0.1, 14.0 * 24.0 + 1.0), (0.3, 14.0 * 24.0)];
    let (mut n, mut d) = (-0.4 * w(78.0) + 0.2 * w(6.0), w(78.0) + w(6.0));
    for (s, h) in old {
        n += s * w(h);
        d += w(h);
    }
    assert!(close(num(r, "decayed"), n / d));
    // the rows are by day, then symbol
    let order: Vec<(&str, &str)> =
        days.iter().map(|r| (r["day"].as_str().unwrap(), r["symbol"].as_str().unwrap())).collect();
    assert_eq!(
        order,
        [
            ("2024-01-02", "AAPL"),
            ("2024-01-02", "MSFT"),
            ("2024-01-03", "AAPL"),
            ("2024-01-08", "MSFT"),
            ("2024-01-16", "AAPL"),
        ]
    );
    // timelines: each asset's items by time, with their days
    let t = v["timelines"]["AAPL"].as_array().unwrap();
    let idx: Vec<u64> = t.iter().map(|e| e["index"].as_u64().unwrap()).collect();
    assert_eq!(idx, [0, 1, 2, 4, 5]);
    assert_eq!(t[2]["day"], "2024-01-03");
    assert_eq!(t[4]["time"], "2024-01-16T15:00:00Z");
    // co-mention graph: AAPL in 5 items, MSFT in 2, together in 1
    assert_eq!(
        v["graph"]["nodes"],
        json!([{"symbol": "AAPL", "count": 5}, {"symbol": "MSFT", "count": 2}])
    );
    assert_eq!(v["graph"]["edges"], json!([{"source": "AAPL", "target": "MSFT", "count": 1}]));
}

#[test]
fn aggregate_close_time_zone_and_calendars() {
    let day_of = |time: &str, options: &str| {
        let items = json!([{"time": time, "score": 0.0, "symbols": ["X"]}]);
        aggregate(&items, "null", options, 24.0)["days"][0]["day"].as_str().unwrap().to_owned()
    };
    // summer time: the 16:00 close is 20:00Z
    assert_eq!(day_of("2024-07-01T19:59:59Z", "null"), "2024-07-01");
    assert_eq!(day_of("2024-07-01T20:00:00Z", "null"), "2024-07-02");
    // July 4 is closed: after the close on July 3 goes to July 5
    assert_eq!(day_of("2024-07-03T20:30:00Z", "null"), "2024-07-05");
    // a configurable close
    assert_eq!(day_of("2024-07-01T17:30:00Z", r#"{"close": "13:00"}"#), "2024-07-02");
    // weekdays in UTC with the default end-of-day close: Saturday goes to Monday
    assert_eq!(day_of("2024-07-06T23:59:00Z", r#"{"calendar": "weekdays"}"#), "2024-07-08");
    // every day (crypto) in Tokyo time
    assert_eq!(
        day_of("2024-07-06T16:00:00Z", r#"{"calendar": "all", "time_zone": "Asia/Tokyo"}"#),
        "2024-07-07"
    );
    // extra holidays
    assert_eq!(
        day_of(
            "2024-07-08T12:00:00Z",
            r#"{"calendar": {"name": "weekdays", "holidays": ["2024-07-08"]}}"#
        ),
        "2024-07-09"
    );
    // a half-life: the decayed mean of 1 at 48 h and 0 at 0 h with h = 24 is 0.25 / 1.25
    let items = json!([
        {"time": "2024-07-01T00:00:00Z", "score": 1.0, "symbols": ["X"]},
        {"time": "2024-07-03T00:00:00Z", "score": 0.0, "symbols": ["X"]},
    ]);
    let v = aggregate(&items, "null", r#"{"calendar": "all", "close": "24:00"}"#, 24.0);
    let d = v["days"][1]["decayed"].as_f64().unwrap();
    // closes at 2024-07-02T00:00Z and 07-04T00:00Z: weights 2^-(72/24) and 2^-(24/24)
    assert!(close(d, 0.125 / (0.125 + 0.5)), "{d}");
}

#[test]
fn aggregate_scores_texts_with_the_universe() {
    use sextant_core::sentiment::{score, Model};
    let items = json!([
        {"time": "2024-01-02T14:30:00Z", "text": "Apple beats estimates. AT&T cuts its dividend."},
        {"time": "2024-01-02T15:30:00Z", "text": "Microsoft shares fall", "symbols": ["MSFT", "AAPL"]},
        {"time": "2024-01-02T16:30:00Z", "text": "AT&T wins a contract", "score": 0.7},
    ]);
    let v = aggregate(&items, UNIVERSE, "null", 24.0);
    let s = |t: &str| score(t, Model::Finance, 0.05).unwrap().score;
    let t = &v["timelines"];
    assert!(close(t["AAPL"][0]["score"].as_f64().unwrap(), s("Apple beats estimates.")));
    assert!(close(t["T"][0]["score"].as_f64().unwrap(), s(" AT&T cuts its dividend.")));
    // given symbols: the whole text's score for each
    assert!(close(t["AAPL"][1]["score"].as_f64().unwrap(), s("Microsoft shares fall")));
    assert!(close(t["MSFT"][0]["score"].as_f64().unwrap(), s("Microsoft shares fall")));
    // a given score wins over the text
    assert_eq!(t["T"][1]["score"].as_f64(), Some(0.7));
    let edges = v["graph"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2, "{edges:?}");
    assert!(edges.contains(&json!({"source": "AAPL", "target": "T", "count": 1})));
    assert!(edges.contains(&json!({"source": "AAPL", "target": "MSFT", "count": 1})));
}

#[test]
fn aggregate_errors_name_the_item() {
    let d = find("sentiment", "aggregate").unwrap();
    let run = |items: &str, universe: &str, options: &str| {
        d.call(
            &[InputData::Json(items), InputData::Json(universe), InputData::Json(options)],
            &d.default_params(),
        )
        .unwrap_err()
        .to_string()
    };
    let ok = r#"{"time": "2024-01-02T14:30:00Z", "score": 0.1, "symbols": ["A"]}"#;
    let e = run(
        &format!(r#"[{ok}, {{"time": "2024-01-02 14:30", "score": 0.1, "symbols": ["A"]}}]"#),
        "null",
        "null",
    );
    assert!(e.contains("items[1].time") && e.contains("offset"), "{e}");
    let e = run(r#"[{"time": "2024-01-02T14:30:00Z", "text": "Apple rises"}]"#, "null", "null");
    assert!(e.contains("items[0]") && e.contains("universe"), "{e}");
    let e = run(r#"[{"time": "2024-01-02T14:30:00Z", "symbols": ["A"]}]"#, "null", "null");
    assert!(e.contains("items[0]") && e.contains("score"), "{e}");
    let e = run(r#"[{"score": 1, "symbols": ["A"]}]"#, "null", "null");
    assert!(e.contains("items[0].time"), "{e}");
    let e = run(
        r#"[{"time": "2024-01-02T14:30:00Z", "score": "high", "symbols": ["A"]}]"#,
        "null",
        "null",
    );
    assert!(e.contains("items[0].score"), "{e}");
    let e = run(&format!("[{ok}]"), "null", r#"{"zone": "UTC"}"#);
    assert!(e.contains("options.zone"), "{e}");
    let e = run(&format!("[{ok}]"), "null", r#"{"time_zone": "Mars/Olympus"}"#);
    assert!(e.contains("options.time_zone"), "{e}");
    let e = run(&format!("[{ok}]"), "null", r#"{"close": "25:00"}"#);
    assert!(e.contains("options.close"), "{e}");
    let e = run(&format!("[{ok}]"), "null", r#"{"calendar": "LSE"}"#);
    assert!(e.contains("options.calendar"), "{e}");
    let e = run(
        r#"[{"time": "1990-01-02T14:30:00Z", "score": 0.1, "symbols": ["A"]}]"#,
        "null",
        "null",
    );
    assert!(e.contains("items[0].time") && e.contains("2000-2099"), "{e}");
    let e = run("{}", "null", "null");
    assert!(e.contains("items"), "{e}");
    // empty input: empty output
    let out = d
        .call(
            &[InputData::Json("[]"), InputData::Json("null"), InputData::Json("null")],
            &d.default_params(),
        )
        .unwrap();
    let OutVec::Json(t) = &out[0] else { panic!() };
    assert_eq!(t, r#"{"days":[],"timelines":{},"graph":{"nodes":[],"edges":[]}}"#);
}

/// The declared examples (the server's OpenAPI examples) run.
#[test]
fn declared_examples_run() {
    for name in ["extract_entities", "entity_sentiment", "aggregate"] {
        let d = find("sentiment", name).unwrap();
        let ins: Vec<InputData<'_>> = d
            .inputs
            .iter()
            .map(|i| {
                if i.example.is_empty() {
                    InputData::Text("Apple (AAPL) beats estimates; AT&T cuts its dividend")
                } else {
                    InputData::Json(i.example)
                }
            })
            .collect();
        let out = d.call(&ins, &d.default_params()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let OutVec::Json(t) = &out[0] else { panic!() };
        assert!(t.len() > 10, "{name}: {t}");
    }
}

mod property_tests {
    use super::*;
    use proptest::prelude::*;

    fn texty() -> impl Strategy<Value = String> {
        let pieces = prop_oneof![
            Just("Apple".to_owned()),
            Just("$AAPL".to_owned()),
            Just("(T)".to_owned()),
            Just("NASDAQ: MSFT".to_owned()),
            Just("AT&T".to_owned()),
            Just("beats estimates.".to_owned()),
            Just("😀".to_owned()),
            Just("\u{1c}".to_owned()),
            Just("\u{fffd}".to_owned()),
            any::<String>(),
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(pieces, 0..30).prop_map(|v| v.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn prop_entities_never_panic_and_spans_slice(text in texty()) {
            let v = extract(&text, UNIVERSE).unwrap();
            let chars: Vec<char> = text.chars().collect();
            for m in v.as_array().unwrap() {
                let u = |k: &str| usize::try_from(m[k].as_u64().unwrap()).unwrap();
                prop_assert!(u("start") < u("end") && u("end") <= chars.len());
                prop_assert_eq!(chars[u("start")..u("end")].iter().collect::<String>(), m["text"].as_str().unwrap());
            }
            let e = call("entity_sentiment", &[InputData::Text(&text), InputData::Json(UNIVERSE)], &[]).unwrap();
            for r in e.as_array().unwrap() {
                prop_assert!((-1.0..=1.0).contains(&r["score"].as_f64().unwrap()));
            }
        }

        #[test]
        fn prop_aggregate_never_panics(texts in prop::collection::vec(texty(), 0..8), secs in prop::collection::vec(946_684_800i64..4_102_444_799, 8)) {
            let items: Vec<Value> = texts.iter().zip(&secs).map(|(t, s)| json!({"time": s, "text": t})).collect();
            let v = aggregate(&json!(items), UNIVERSE, "null", 6.0);
            for r in v["days"].as_array().unwrap() {
                for k in ["mean", "decayed"] {
                    prop_assert!((-1.0..=1.0).contains(&r[k].as_f64().unwrap()));
                }
            }
        }
    }

    #[test]
    fn empty_emoji_huge_and_lossy_texts() {
        let huge = "Apple (AAPL) beats estimates 😀; AT&T cuts its dividend. ".repeat(20_000);
        let lossy =
            String::from_utf8_lossy(&[0xff, 0xfe, b' ', b'$', b'T', b' ', 0xc3]).into_owned();
        for text in ["", "   ", "😀😀😀", "🚀🚀 📉", lossy.as_str(), huge.as_str()] {
            let m = extract(text, UNIVERSE).unwrap();
            let e =
                call("entity_sentiment", &[InputData::Text(text), InputData::Json(UNIVERSE)], &[])
                    .unwrap();
            let items = json!([{"time": "2024-01-02T14:30:00Z", "text": text}]);
            let a = aggregate(&items, UNIVERSE, "null", 24.0);
            if text.len() > 1000 {
                assert_eq!(m.as_array().unwrap().len(), 60_000);
                assert_eq!(e.as_array().unwrap().len(), 2);
                assert_eq!(a["days"].as_array().unwrap().len(), 2);
            } else if text == lossy {
                assert_eq!(m[0]["symbol"], "T");
            } else {
                assert!(
                    m.as_array().unwrap().is_empty() && a["days"].as_array().unwrap().is_empty()
                );
            }
        }
        // an empty universe finds nothing
        assert!(extract("Apple", "[]").unwrap().as_array().unwrap().is_empty());
    }
}

/// Numbers within `tol` (relative above 1), everything else equal.
pub fn json_close(got: &Value, want: &Value, tol: f64) -> bool {
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            (a - b).abs() <= tol * b.abs().max(1.0)
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| json_close(x, y, tol))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| json_close(x, y, tol)))
        }
        _ => got == want,
    }
}

/// The JSON cases of tests/golden/sentiment (scripts/golden/generate_sentiment.py: spans by
/// Python's indexing, vaderSentiment on the sentences, exchange_calendars trading days).
#[test]
fn json_golden_cases() {
    let dir = crate::fixtures::golden_dir().join("sentiment");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let tol = manifest["json_tolerance"].as_f64().unwrap();
    let mut n = 0;
    let mut bad = Vec::new();
    for case in manifest["cases"].as_array().unwrap().iter().filter(|c| c["expect"] == "json") {
        let d = find("sentiment", case["function"].as_str().unwrap()).unwrap();
        let text = std::fs::read_to_string(dir.join(case["file"].as_str().unwrap())).unwrap();
        for line in text.lines() {
            let row: Value = serde_json::from_str(line).unwrap();
            let docs: Vec<String> =
                row["inputs"].as_array().unwrap().iter().map(Value::to_string).collect();
            let ins: Vec<InputData<'_>> = d
                .inputs
                .iter()
                .zip(row["inputs"].as_array().unwrap().iter().zip(&docs))
                .map(|(spec, (v, doc))| match spec.kind {
                    sextant_core::decl::InputKind::Text => InputData::Text(v.as_str().unwrap()),
                    _ => InputData::Json(doc),
                })
                .collect();
            let params: Vec<(String, P)> = row["params"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_f64().map_or_else(|| P::Str(v.as_str().unwrap().into()), P::Float),
                    )
                })
                .collect();
            let out = d
                .call(
                    &ins,
                    &d.params_named(params.iter().map(|(k, v)| (k.as_str(), v.clone()))).unwrap(),
                )
                .unwrap();
            let OutVec::Json(t) = &out[0] else { panic!() };
            let got: Value = serde_json::from_str(t).unwrap();
            if !json_close(&got, &row["output"], tol) {
                bad.push(format!(
                    "{}: {}\n got {got}\nwant {}",
                    case["id"], row["inputs"][0], row["output"]
                ));
            }
            n += 1;
        }
    }
    assert!(bad.is_empty(), "{} of {n} differ:\n{}", bad.len(), bad.join("\n"));
    assert!(n >= 15, "{n}");
}
