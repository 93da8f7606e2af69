"""Writes Sextant's demo market data and transactions (crates/sextant-server/demo/).

Sources, all installed in the golden-reference venv and licence-clean (no download):
  pmdarima.datasets.load_msft()  MSFT daily OHLCV 1986-03-13 .. 2017-11-10 (MIT), split and
                                 dividend adjusted by its publisher;
  arch.data.sp500 / arch.data.nasdaq  S&P 500 and NASDAQ Composite daily OHLCV
                                 1999-01-04 .. 2018-12-31 (NCSA).
Run: /root/.cache/sextant/refs/bin/python crates/sextant-server/demo/make_demo.py
The server embeds the files (`sextant-server --demo`, crate::provider::FileReplay::demo()).
"""
import json
import pathlib

from arch.data import nasdaq, sp500
from pmdarima.datasets import load_msft

out = pathlib.Path(__file__).resolve().parent


def fmt(x):
    return repr(round(float(x), 6)).removesuffix(".0") if float(x) == int(float(x)) else repr(round(float(x), 6))


def write(symbol, rows):
    bad = 0
    lines = ["date,open,high,low,close,volume"]
    for d, o, h, l, c, v in rows:
        # keep the file consistent with the server's bar rule low <= open, close <= high
        h2, l2 = max(h, o, c), min(l, o, c)
        bad += (h2 != h) or (l2 != l)
        lines.append(f"{d},{fmt(o)},{fmt(h2)},{fmt(l2)},{fmt(c)},{int(v)}")
    (out / f"{symbol}.1d.csv").write_text("\n".join(lines) + "\n")
    print(symbol, len(rows), "bars;", bad, "highs/lows widened to contain open and close")


msft = load_msft()
write("MSFT", [(r.Date, r.Open, r.High, r.Low, r.Close, r.Volume) for r in msft.itertuples()])
for sym, mod in (("SPX", sp500), ("IXIC", nasdaq)):
    df = mod.load()
    write(sym, [(i.strftime("%Y-%m-%d"), r["Open"], r["High"], r["Low"], r["Close"], r["Volume"])
                for i, r in df.iterrows()])

instruments = [
    {"symbol": "MSFT", "name": "Microsoft Corp. (pmdarima sample, adjusted prices)", "currency": "USD",
     "time_zone": "America/New_York", "asset_class": "equity",
     "source": "pmdarima.datasets.load_msft (MIT)"},
    {"symbol": "SPX", "name": "S&P 500 index", "currency": "USD", "time_zone": "America/New_York",
     "asset_class": "index", "source": "arch.data.sp500 (NCSA)"},
    {"symbol": "IXIC", "name": "NASDAQ Composite index", "currency": "USD",
     "time_zone": "America/New_York", "asset_class": "index", "source": "arch.data.nasdaq (NCSA)"},
]
(out / "instruments.json").write_text(json.dumps(instruments, indent=2) + "\n")

# A demo portfolio: trades at the day's close of the data (16:00 New York = 21:00 UTC).
close = {("MSFT", r.Date): r.Close for r in msft.itertuples()}
spx = sp500.load()
close.update({("SPX", i.strftime("%Y-%m-%d")): r["Close"] for i, r in spx.iterrows()})
tx = [
    ("2015-01-02T15:00:00Z", "deposit", "", "USD", "", "", "", "100000"),
    ("2015-01-05T21:00:00Z", "buy", "MSFT", "", "800", fmt(close[("MSFT", "2015-01-05")]), "4.95", ""),
    ("2015-01-05T21:00:00Z", "buy", "SPX", "", "25", fmt(close[("SPX", "2015-01-05")]), "4.95", ""),
    ("2016-01-04T15:00:00Z", "deposit", "", "USD", "", "", "", "20000"),
    ("2016-01-04T21:00:00Z", "buy", "MSFT", "", "300", fmt(close[("MSFT", "2016-01-04")]), "4.95", ""),
    ("2016-06-01T21:00:00Z", "sell", "SPX", "", "10", fmt(close[("SPX", "2016-06-01")]), "4.95", ""),
    ("2017-03-01T15:00:00Z", "withdrawal", "", "USD", "", "", "", "5000"),
    ("2017-06-01T21:00:00Z", "sell", "MSFT", "", "200", fmt(close[("MSFT", "2017-06-01")]), "4.95", ""),
]
lines = ["timestamp,type,instrument,currency,quantity,price,fee,amount"]
lines += [",".join(t) for t in tx]
(out / "transactions.csv").write_text("\n".join(lines) + "\n")
print("transactions", len(tx))
