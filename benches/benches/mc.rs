//! The bare generator: a path stream's words (xoshiro256++ seeded by Philox4x32-10) and ziggurat normals on one thread, the floor that
//! `sextant.mc.standard_normal` (Python, every core) is compared with in docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sextant_core::mc::rng::{Stream, Ziggurat};
use std::hint::black_box;

fn bare(c: &mut Criterion) {
    let n = 1_000_000u64;
    let mut g = c.benchmark_group("mc");
    g.throughput(Throughput::Elements(n));
    g.bench_function("stream_u64_1M", |b| {
        b.iter(|| {
            let mut s = Stream::new(1, 0);
            let mut acc = 0u64;
            for _ in 0..n {
                acc ^= s.next_u64();
            }
            black_box(acc)
        });
    });
    let z = Ziggurat::new();
    g.bench_function("ziggurat_normal_1M", |b| {
        b.iter(|| {
            let mut s = Stream::new(1, 0);
            let mut acc = 0.0;
            for _ in 0..n {
                acc += z.sample(&mut s);
            }
            black_box(acc)
        });
    });
    g.bench_function("standard_normal_1M_all_threads", |b| {
        b.iter(|| black_box(sextant_core::mc::standard_normal(1_000_000, 1, 0)));
    });
    g.finish();
    // the simulation kernels (RAYON_NUM_THREADS=1 for one thread): steps per second
    let mut k = c.benchmark_group("mc_kernels");
    let run = sextant_core::mc::Run { paths: 4_000, seed: 1, ..Default::default() };
    k.throughput(Throughput::Elements(4_000 * 252));
    let g1 = sextant_core::mc::Gbm { s0: 100.0, mu: 0.05, sigma: 0.2, years: 1.0, steps: 252 };
    k.bench_function("gbm_4000x252", |b| {
        b.iter(|| black_box(sextant_core::mc::simulate_gbm(&g1, &run)));
    });
    let n = 10;
    let mut cov = vec![0.0; n * n];
    #[allow(clippy::cast_precision_loss, reason = "small")]
    for i in 0..n {
        for j in 0..n {
            let (vi, vj) = (0.1 + 0.3 * i as f64 / 9.0, 0.1 + 0.3 * j as f64 / 9.0);
            cov[i * n + j] = if i == j { vi * vi } else { 0.3 * vi * vj };
        }
    }
    let s0 = vec![100.0; n];
    let mu = vec![0.05; n];
    let cg =
        sextant_core::mc::CorrelatedGbm { s0: &s0, mu: &mu, cov: &cov, years: 1.0, steps: 252 };
    // throughput in normals: 10 per path-step
    k.throughput(Throughput::Elements(4_000 * 252 * 10));
    k.bench_function("correlated10_4000x252", |b| {
        b.iter(|| black_box(sextant_core::mc::simulate_correlated_gbm(&cg, &run)));
    });
    k.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bare
}
criterion_main!(benches);
