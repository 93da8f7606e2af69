//! The benchmark headlines: the texts of tests/golden/sentiment/vader.jsonl (24,213 probes and
//! generated financial headlines).

pub(crate) fn headlines() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/golden/sentiment/vader.jsonl");
    let text = std::fs::read_to_string(path).expect("tests/golden/sentiment/vader.jsonl");
    text.split('\n')
        .filter(|l| !l.is_empty())
        .filter_map(|l| {
            // the first field of `[text, neg, neu, pos, compound]`
            let v: Vec<&str> = l.rsplitn(5, ", ").collect();
            let raw = v.last()?.strip_prefix('[')?;
            decode_json_string(raw)
        })
        .collect()
}

/// Minimal JSON string decoding (the fixture's texts), enough for the benchmark input.
fn decode_json_string(s: &str) -> Option<String> {
    let s = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'u' => {
                let hex: String = it.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}'));
            }
            other => out.push(other),
        }
    }
    Some(out)
}
