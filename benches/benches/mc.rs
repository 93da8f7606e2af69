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
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bare
}
criterion_main!(benches);
