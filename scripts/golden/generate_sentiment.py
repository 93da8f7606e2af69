"""Reference vectors for the sentiment module: vaderSentiment 3.3.2's polarity_scores on
hand-written probes (one or more per rule of the algorithm) and on 20,000+ generated financial
headlines (fixed seed). Writes tests/golden/sentiment/vader.jsonl, one JSON array per line:
[text, neg, neu, pos, compound]; the Rust, Python, Node, WASM and server suites assert every
key bit for bit (tolerance 0).

    /root/.cache/sextant/refs/bin/python scripts/golden/generate_sentiment.py
"""
import json
import pathlib
import random

from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SentimentIntensityAnalyzer

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/golden/sentiment"
SEED = 20261122
N_GENERATED = 24000

PROBES = [
    # empty, whitespace, punctuation only, emoticons
    "", " ", "\t\n", "!!!", "???", "?!", ":)", ":D", ":-(", "<3", "(:", "$:", ";)",
    # plain lexicon words and proportions
    "good", "bad", "Profit is good.", "Earnings were bad.", "The stock moved.",
    # boosters / dampeners, their distance damping, caps on boosters
    "very good results", "very very good results", "extremely bad quarter",
    "slightly good", "marginally bad", "VERY good results", "results are VERY good",
    "kinda good", "sort-of good", "kind-of bad", "somewhat very good",
    "very, really good", "quite the good deal", "almost totally bad idea",
    # "kind of", "sort of", "just enough" (bigram boosters checked three words back)
    "it was kind of good", "it was sort of bad", "kind of", "kind", "it is kind",
    "the quarter was just enough good", "sort of very good", "kind of sort of good",
    # ALL CAPS emphasis and the cap differential
    "GOOD results", "GOOD RESULTS", "shares GAIN", "SHARES GAIN", "Shares CRASH today",
    "NO GOOD", "not GOOD at all", "ÉTÉ bad", "DŽungla good", "GOOD 123", "123 GOOD",
    # negation at distances 1, 2, 3; n't; "never so/this"; "without doubt"
    "not good", "not very good", "not at all good", "isn't good", "wasn't bad",
    "never good", "never so good", "never this good", "never so bad", "never really this good",
    "without doubt good", "without a doubt good", "without any doubt great",
    "so good", "this good", "I never said it was this good", "nothing so great",
    "aint good", "cannot win", "couldnt lose", "uh-uh good", "seldom bad", "despite gains",
    "don't like", "doesn't hurt", "won't fail", "n't good", "can'tgood good",
    # "no" as a word and as a negation
    "no", "no good", "no deal", "no no good", "no problem", "no big problem", "no, good",
    "no one likes losses", "no or nor", "no bad or good", "no gains or profits",
    "no gains nor profits", "no fear", "NO fear", "gains no", "no no", "no win",
    # "least"
    "least good", "the least good", "at least good", "very least good",
    "the least bad option", "at least it isn't a horrible book", "least",
    # "but"
    "good but bad", "bad but good", "but good", "good but", "good bad but good bad",
    "good good but good good", "great results but weak guidance", "BUT good",
    "it is bad, but good", "good but but bad", "good, not bad, but fine and ok",
    "no but no", "kind of good but sort of bad and very great",
    # special idioms
    "the shit", "this is the shit", "the bomb", "what a bad ass", "badass quarter",
    "bus stop", "yeah right", "kiss of death", "a kiss of death for shares",
    "to die for", "a beating heart", "the shit is bad", "it was the bomb indeed",
    "yeah right, great", "that bus stop is nice", "the stock is to die for",
    # punctuation emphasis
    "good!", "good!!", "good!!!", "good!!!!", "good!!!!!!", "bad!", "bad!!!!!",
    "good?", "good??", "good???", "good????", "good?????", "bad???", "neutral!!!",
    "good?!?!", "good! bad? ok!!", "is it good ?? !!",
    # emoji handling
    "😀", "😀😀", "profits 😀", "profits😀", "😀profits", "loss 😢 today", "📉", "📈 gains",
    "🚀🚀🚀 to the moon", "💩 quarter", "gains 👍🏽", "👍🏽", "🇺🇸 stocks", "❤️ this stock",
    "😀 😀", "a😀b😀c", "  😀  ", "😡!!!", "\u2764 good",
    # Python whitespace semantics
    "good\x1cbad", "good\x1dbad\x1egreat\x1fok", "good\x85bad", "good\u3000bad",
    "good\xa0great", "good\u2028bad", "good\u200bbad", "good\u180ebad", "\x1cgood\x1c",
    "good\u2003\u2003bad", "good\r\nbad", "good\x0bbad\x0cugly",
    # punctuation stripping and short tokens
    "(good)", "'good'", "\"great\"", "--bad--", "good...", "...bad", "a.b", "ok!",
    "#winning", "@great", "$good$", "good's", "(:)", "bad:(", "lol!!", "!!lol!!",
    "won’t good", "isn’t good", "don’t fail",
    # Unicode case mapping (Kelvin sign lowercases to ASCII k) and Turkish dotted I
    "\u212aind of good", "\u0130 good", "İSTANBUL good", "ΣΊΣΥΦΟΣ good",
    # numbers, tickers, money
    "$AAPL up 5% on good results", "Shares fell 10% to $3.20", "EPS $1.02 vs $0.98 est.",
    "NASDAQ: MSFT gains", "Q3 revenue +12% y/y",
    # long and odd
    "good " * 50, "bad but good " * 30, "no " * 20, "!" * 100, "very " * 10 + "good",
]

FIN_NOUNS = ["shares", "stock", "revenue", "earnings", "profit", "guidance", "outlook", "sales",
             "margin", "dividend", "bond", "yield", "deal", "merger", "IPO", "CEO", "quarter",
             "forecast", "loss", "debt", "rating", "demand", "supply", "growth", "inflation"]
FIN_VERBS = ["rises", "falls", "jumps", "plunges", "beats", "misses", "raises", "cuts",
             "surges", "slumps", "rallies", "tumbles", "soars", "sinks", "gains", "drops",
             "upgrades", "downgrades", "warns", "reports", "posts", "expects", "lifts"]
COMPANIES = ["Apple", "Tesla", "Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries",
             "Wayne Enterprises", "$AAPL", "$TSLA", "NASDAQ: MSFT", "NYSE: IBM", "Alphabet (GOOGL)"]
FUNCTION = ["the", "a", "of", "to", "in", "on", "for", "after", "as", "with", "and", "at",
            "amid", "despite", "but", "no", "not", "never", "least", "at least", "so", "this",
            "without", "doubt", "or", "nor", "kind of", "sort of", "just enough", "very least",
            "never so", "never this", "without doubt", "isn't", "won't", "didn't", "cannot",
            "the shit", "the bomb", "bad ass", "yeah right", "kiss of death", "to die for",
            "bus stop", "beating heart", "kind", "of"]
PUNCT = ["", "", "", "", ".", ",", "!", "!!", "?", "??", "?!", "...", ":", ";", "!!!!!", "???",
         " -", "'s", ")", "\"", "%"]
SPACES = [" "] * 30 + ["  ", "\t", "\n", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0",
                       "\u3000", "\u2009", "\u200b", " \u200b "]
FIGURES = ["5%", "10.2%", "$3.20", "1.5bn", "Q3", "2026", "+12%", "-7%", "3x", "EPS"]


def word_pools(lexicon, emojis):
    lex_words = sorted(w for w in lexicon if w.isascii())
    fin_lex = [w for w in lex_words if w.isalpha()]
    emoticons = [w for w in lex_words if not any(c.isalpha() for c in w)]
    boosters = sorted(BOOSTER_DICT)
    negs = list(NEGATE)
    emoji_keys = sorted(emojis)
    single = [k for k in emoji_keys if len(k) == 1]
    return fin_lex, emoticons, boosters, negs, single, emoji_keys


def shape(rng, w):
    r = rng.random()
    if r < 0.12:
        return w.upper()
    if r < 0.25:
        return w.capitalize()
    if r < 0.27:
        return w.title()
    return w


def headline(rng, pools):
    fin_lex, emoticons, boosters, negs, single, emoji_keys = pools
    n = rng.randint(1, 16)
    parts = []
    if rng.random() < 0.5:
        parts.append(rng.choice(COMPANIES))
    for _ in range(n):
        r = rng.random()
        if r < 0.22:
            w = rng.choice(fin_lex)
        elif r < 0.32:
            w = rng.choice(boosters)
        elif r < 0.40:
            w = rng.choice(negs)
        elif r < 0.55:
            w = rng.choice(FUNCTION)
        elif r < 0.68:
            w = rng.choice(FIN_NOUNS)
        elif r < 0.78:
            w = rng.choice(FIN_VERBS)
        elif r < 0.83:
            w = rng.choice(FIGURES)
        elif r < 0.87:
            w = rng.choice(emoticons)
        elif r < 0.91:
            w = rng.choice(single) if rng.random() < 0.8 else rng.choice(emoji_keys)
        elif r < 0.93:
            w = rng.choice(single) + rng.choice(fin_lex)
        else:
            w = rng.choice(fin_lex) + rng.choice(["!", "?", ".", ","])
        w = shape(rng, w)
        if rng.random() < 0.15:
            w = rng.choice(["(", "\"", "'", "--", "#", "$"]) + w
        w = w + rng.choice(PUNCT) if rng.random() < 0.3 else w
        parts.append(w)
    out = parts[0]
    for p in parts[1:]:
        out += rng.choice(SPACES) + p
    if rng.random() < 0.2:
        out += rng.choice(["!", "!!", "!!!", "?", "??", "???", "????", "!?", "!!!!!!"])
    if rng.random() < 0.05:
        out = rng.choice(SPACES) + out + rng.choice(SPACES)
    if rng.random() < 0.1:
        out = out.upper()
    return out


def write_compact_lexicon():
    """The word and mean columns of the shipped vader_lexicon.txt, in file order (duplicates
    kept: the last one wins, as in the package), for include_str! in the core."""
    data = ROOT / "crates/sextant-core/data/vader"
    src = (data / "vader_lexicon.txt").read_text(encoding="utf-8")
    out = []
    for line in src.rstrip("\n").split("\n"):
        if line:
            word, mean = line.strip().split("\t")[0:2]
            out.append(f"{word}\t{mean}")
    (data / "vader_lexicon.compact.tsv").write_text("\n".join(out) + "\n", encoding="utf-8")
    # the package looks emojis up one character at a time: only one-code-point keys can match
    src = (data / "emoji_utf8_lexicon.txt").read_text(encoding="utf-8")
    out = []
    for line in src.rstrip("\n").split("\n"):
        emoji, desc = line.strip().split("\t")[0:2]
        if len(emoji) == 1:
            out.append(f"{emoji}\t{desc}")
    (data / "emoji_utf8_lexicon.compact.tsv").write_text("\n".join(out) + "\n", encoding="utf-8")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    write_compact_lexicon()
    analyzer = SentimentIntensityAnalyzer()
    pools = word_pools(analyzer.lexicon, analyzer.emojis)
    rng = random.Random(SEED)
    texts = list(PROBES)
    seen = set(texts)
    while len(texts) < len(PROBES) + N_GENERATED:
        t = headline(rng, pools)
        if t not in seen:
            seen.add(t)
            texts.append(t)
    lines = []
    for t in texts:
        s = analyzer.polarity_scores(t)
        lines.append(json.dumps([t, s["neg"], s["neu"], s["pos"], s["compound"]],
                                ensure_ascii=False))
    path = OUT / "vader.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ref = "vaderSentiment 3.3.2 SentimentIntensityAnalyzer().polarity_scores"
    manifest = {
        "format": "each case names a JSONL file of [text, neg, neu, pos, compound] lines and what "
                  "to compare: 'polarity_scores' (the four keys of vader()), or 'compound_label' "
                  "(score = compound, label from the threshold: positive >= t, negative <= -t)",
        "generated_by": "scripts/golden/generate_sentiment.py",
        "reference": ref,
        "seed": SEED,
        "probes": len(PROBES),
        "generated": N_GENERATED,
        "tolerance": 0.0,
        "cases": [
            {"id": "vader/probes+headlines", "module": "sentiment", "function": "vader",
             "params": {}, "file": "vader.jsonl", "expect": "polarity_scores", "reference": ref},
            {"id": "score/vader", "module": "sentiment", "function": "score",
             "params": {"model": "vader", "threshold": 0.05}, "file": "vader.jsonl",
             "expect": "compound_label", "reference": ref + "['compound']"},
            {"id": "score_batch/vader", "module": "sentiment", "function": "score_batch",
             "params": {"model": "vader", "threshold": 0.05}, "file": "vader.jsonl",
             "expect": "compound_label", "reference": ref + "['compound']"},
        ],
    }
    manifest["format"] += (
        "; or 'json' (files of {inputs, params, output} lines: call the function with the inputs "
        "in declared order and those parameters and compare the JSON output, numbers within "
        "json_tolerance)")
    manifest["json_tolerance"] = JSON_TOL
    for function, (rows, reference) in record_cases(analyzer).items():
        f = OUT / f"{function}.jsonl"
        f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        manifest["cases"].append({"id": f"{function}/hand", "module": "sentiment",
                                  "function": function, "params": {}, "file": f.name,
                                  "expect": "json", "reference": reference})
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(lines)} texts, {path.stat().st_size} bytes)")


# --------------------------------------------------------------------------------------------
# Entities and aggregation: JSON in, JSON out. Expected values are computed here independently of
# the Rust core: spans with Python's own string indexing (code points), UTF-16 and UTF-8 lengths;
# the mentions themselves hand-labelled from the documented rules; entity scores with
# vaderSentiment on the documented sentence split; trading days with exchange_calendars (XNYS)
# and zoneinfo; mean, population std and the half-life decay summed directly.

JSON_TOL = 1e-12

UNIVERSE = [
    {"symbol": "AAPL", "names": ["Apple", "Apple Inc"]},
    {"symbol": "T", "names": ["AT&T"]},
    {"symbol": "MSFT", "names": ["Microsoft"]},
    {"symbol": "TGT", "names": ["Target"]},
    {"symbol": "ON", "names": ["ON Semiconductor"]},
]

# (text, [(symbol, matched text, occurrence of that text, kind, confidence)])
ENTITY_PROBES = [
    ("$AAPL jumps", [("AAPL", "$AAPL", 0, "cashtag", 0.99)]),
    ("Apple (AAPL) beats estimates", [("AAPL", "Apple", 0, "name", 0.9), ("AAPL", "AAPL", 0, "parenthesized", 0.95)]),
    ("Shares of AT&T (NYSE: T) slid", [("T", "AT&T", 0, "name", 0.9), ("T", "T", 2, "exchange_prefix", 0.99)]),
    ("It is a T-bill, on sale", []),
    ("ON shares rose; Target cuts its forecast", [("ON", "ON", 0, "ticker", 0.7), ("TGT", "Target", 0, "name", 0.7)]),
    ("We hit the target", []),
    ("😀 Café news: Apple Inc and Microsoft rise 🚀", [("AAPL", "Apple Inc", 0, "name", 0.9), ("MSFT", "Microsoft", 0, "name", 0.9)]),
    ("", []),
    ("🚀🚀🚀", []),
    ("naïve MSFT stock 📈 up", [("MSFT", "MSFT", 0, "ticker", 0.85)]),
]


def nth_find(text, sub, n):
    i = -1
    for _ in range(n + 1):
        i = text.index(sub, i + 1)
    return i


def mention(text, sym, sub, occ, kind, conf):
    s = nth_find(text, sub, occ)
    e = s + len(sub)
    u16 = lambda k: len(text[:k].encode("utf-16-le")) // 2  # noqa: E731
    b = lambda k: len(text[:k].encode("utf-8"))  # noqa: E731
    return {"symbol": sym, "text": sub, "start": s, "end": e, "start_utf16": u16(s), "end_utf16": u16(e),
            "start_byte": b(s), "end_byte": b(e), "kind": kind, "confidence": conf}


def split_sentences(text):
    """The documented split: after . ! ? followed by whitespace (or the end), and at line breaks;
    blank pieces dropped."""
    out, start = [], 0
    for i, c in enumerate(text):
        nxt_space = i + 1 == len(text) or text[i + 1].isspace()
        if c == "\n" or (c in ".!?" and nxt_space):
            if text[start:i + 1].strip():
                out.append(text[start:i + 1])
            start = i + 1
    if text[start:].strip():
        out.append(text[start:])
    return out


# (text, [(symbol, indices of the sentences naming it, mentions)])
SENTIMENT_PROBES = [
    ("Apple beats estimates. AT&T cuts its dividend. Shares of Apple and AT&T were flat.",
     [("AAPL", [0, 2], 2), ("T", [1, 2], 2)]),
    ("Microsoft posts a GREAT quarter!!! $MSFT\nTarget warns on sales, a terrible miss",
     [("MSFT", [0, 1], 2), ("TGT", [2], 1)]),
    ("No company here. 😀", []),
]


def label_of(x, t=0.05):
    return "positive" if x >= t else "negative" if x <= -t else "neutral"


def aggregate_cases():
    import statistics
    from datetime import datetime, time, timedelta, timezone
    from zoneinfo import ZoneInfo

    import exchange_calendars as xcals
    xnys = xcals.get_calendar("XNYS", start="2023-01-01", end="2025-12-31")
    sessions = {d.date() for d in xnys.sessions}

    def parse(t):
        if isinstance(t, (int, float)):
            return datetime.fromtimestamp(t, timezone.utc)
        return datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(timezone.utc)

    def run(items, opts, half_life):
        cal = opts.get("calendar", "XNYS")
        tz = ZoneInfo(opts.get("time_zone", "America/New_York" if cal == "XNYS" else "UTC"))
        hh, mm = map(int, opts.get("close", "16:00" if cal == "XNYS" else "24:00").split(":"))
        close_s = hh * 3600 + mm * 60
        open_day = (lambda d: d in sessions) if cal == "XNYS" else \
            (lambda d: d.weekday() < 5) if cal == "weekdays" else (lambda d: True)

        def day_of(t):
            loc = t.astimezone(tz)
            d = loc.date()
            if loc.hour * 3600 + loc.minute * 60 + loc.second >= close_s:
                d += timedelta(days=1)
            while not open_day(d):
                d += timedelta(days=1)
            return d

        def close_of(d):
            return (datetime.combine(d, time(0), tz) + timedelta(seconds=close_s)).astimezone(timezone.utc) \
                if close_s < 86400 else datetime.combine(d + timedelta(days=1), time(0), tz).astimezone(timezone.utc)

        obs = []  # (symbol, day, t, index, score)
        per_item = []
        for k, it in enumerate(items):
            t = parse(it["time"])
            syms = list(dict.fromkeys(it["symbols"]))
            per_item.append(syms)
            for s in syms:
                obs.append((s, day_of(t), t, k, it["score"]))
        days, timelines = [], {}
        for sym in sorted({o[0] for o in obs}):
            mine = sorted((o for o in obs if o[0] == sym), key=lambda o: (o[2], o[3]))
            timelines[sym] = [{"index": o[3], "time": o[2].strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "day": o[1].isoformat(), "score": o[4]} for o in mine]
            for d in sorted({o[1] for o in mine}):
                today = [o[4] for o in mine if o[1] == d]
                c = close_of(d)
                w = [(2.0 ** (-(c - o[2]).total_seconds() / 3600.0 / half_life), o[4])
                     for o in mine if o[1] <= d]
                days.append({"day": d.isoformat(), "symbol": sym, "count": len(today),
                             "mean": statistics.fmean(today), "std": statistics.pstdev(today),
                             "decayed": sum(a * b for a, b in w) / sum(a for a, _ in w)})
        days.sort(key=lambda r: (r["day"], r["symbol"]))
        nodes, edges = {}, {}
        for syms in per_item:
            for i, a in enumerate(syms):
                nodes[a] = nodes.get(a, 0) + 1
                for b in syms[i + 1:]:
                    key = tuple(sorted((a, b)))
                    edges[key] = edges.get(key, 0) + 1
        graph = {"nodes": [{"symbol": s, "count": c} for s, c in sorted(nodes.items(), key=lambda x: (-x[1], x[0]))],
                 "edges": [{"source": a, "target": b, "count": c}
                           for (a, b), c in sorted(edges.items(), key=lambda x: (-x[1], x[0]))]}
        return {"days": days, "timelines": timelines, "graph": graph}

    rng = random.Random(SEED + 1)
    syms = ["AAPL", "MSFT", "T", "TGT"]
    base = datetime(2024, 6, 28, tzinfo=timezone.utc)  # a Friday; July 4 and DST inside
    rows = []
    for n, (opts, half_life) in enumerate([({}, 24.0), ({}, 6.0), ({"close": "13:00"}, 48.0),
                                           ({"calendar": "weekdays", "time_zone": "Europe/London", "close": "16:30"}, 24.0),
                                           ({"calendar": "all", "time_zone": "Asia/Tokyo"}, 12.0)]):
        items = []
        for _ in range(40):
            t = base + timedelta(seconds=rng.randrange(0, 12 * 86400))
            # minutes only, so every time is exact in milliseconds
            t = t.replace(second=0)
            form = rng.randrange(3)
            tt = (t.strftime("%Y-%m-%dT%H:%M:%SZ") if form == 0 else int(t.timestamp()) if form == 1
                  else t.astimezone(ZoneInfo("America/New_York")).isoformat())
            items.append({"time": tt, "score": round(rng.uniform(-1, 1), 3),
                          "symbols": rng.sample(syms, rng.choice([1, 1, 2, 3]))})
        out = run(items, opts, half_life)
        rows.append({"inputs": [items, None, opts or None], "params": {"half_life": half_life},
                     "output": out})
    return rows


def record_cases(analyzer):
    ents = [{"inputs": [t, UNIVERSE], "params": {}, "output": [mention(t, *m) for m in ms]}
            for t, ms in ENTITY_PROBES]
    sents = []
    for t, want in SENTIMENT_PROBES:
        ss = split_sentences(t)
        out = []
        for sym, idx, n in want:
            sc = sum(analyzer.polarity_scores(ss[i])["compound"] for i in idx) / len(idx)
            out.append({"symbol": sym, "score": sc, "label": label_of(sc), "sentences": len(idx),
                        "mentions": n})
        sents.append({"inputs": [t, UNIVERSE], "params": {"model": "vader", "threshold": 0.05},
                      "output": out})
    return {
        "extract_entities": (ents, "hand-labelled mentions (docs/sentiment.md rules); spans by Python str indexing, UTF-16 and UTF-8 lengths"),
        "entity_sentiment": (sents, "mean vaderSentiment 3.3.2 compound of the sentences naming each asset (hand-labelled), documented sentence split"),
        "aggregate": (aggregate_cases(), "exchange_calendars XNYS sessions, zoneinfo, statistics.fmean/pstdev, the half-life sum written out"),
    }


if __name__ == "__main__":
    main()
