//! Benchmarks only; see benches/bench_main.rs.
