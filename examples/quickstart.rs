//! Quick start on a bundled dataset: indicators on MSFT daily prices (pmdarima's dataset,
//! MIT), the Sharpe ratio of its returns, and inverse-volatility weights of 20 S&P 500
//! stocks (skfolio's dataset, BSD-3). The data ships in tests/golden/data.
//!
//!     cargo run --release --example quickstart

use std::path::Path;

use sextant_core::{alloc, risk, ta};

fn load(name: &str) -> Vec<f64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/data").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect()
}

fn main() -> Result<(), sextant_core::Error> {
    let (high, low, close) = (load("msft_high.f64"), load("msft_low.f64"), load("msft_close.f64"));
    let n = close.len();
    let sma = ta::sma(&close, 30)?;
    let rsi = ta::rsi(&close, 14)?;
    let atr = ta::atr(&high, &low, &close, 14)?;
    let (upper, middle, lower) = ta::bbands(&close, 20, 2.0, 2.0, ta::MaType::Sma)?;
    println!("MSFT, {n} daily bars (1986-2017); last 5 bars:");
    println!(
        "{:>6} {:>9} {:>9} {:>7} {:>7} {:>9} {:>9} {:>9}",
        "bar", "close", "SMA30", "RSI14", "ATR14", "BB upper", "BB mid", "BB lower"
    );
    for i in n - 5..n {
        println!(
            "{i:>6} {:>9.2} {:>9.3} {:>7.2} {:>7.3} {:>9.3} {:>9.3} {:>9.3}",
            close[i], sma[i], rsi[i], atr[i], upper[i], middle[i], lower[i]
        );
    }

    let returns: Vec<f64> = close.windows(2).map(|w| w[1] / w[0] - 1.0).collect();
    println!(
        "\nSharpe ratio of MSFT daily returns (annualised, rf = 0): {:.4}",
        risk::sharpe_ratio(&returns, 0.0, "daily", None)?
    );

    let cov = load("cov_sp500_20_cov.f64");
    let k = (cov.len() as f64).sqrt() as usize;
    let w = alloc::inverse_volatility(&cov, k, k)?;
    let tickers = [
        "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK", "MSFT",
        "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM",
    ];
    println!("\nInverse-volatility weights of {k} S&P 500 stocks:");
    for (t, x) in tickers.iter().zip(&w) {
        println!("  {t:<5} {:>6.2}%", x * 100.0);
    }
    Ok(())
}
