//! Many series at once: a function of series applied to every column of 2-D inputs (bars by
//! symbols), the columns shared among threads.
//!
//! Each column is computed by [`FunctionDecl::call_into`] exactly as a 1-D call on that column
//! would be, so the result does not depend on the number of threads or on the input's memory
//! order. Inputs may be row-major (C) or column-major (F); a row-major column is gathered into
//! a per-thread buffer first. Outputs are column-major: column `j` of output `i` is the
//! contiguous block `[j * len_i, (j + 1) * len_i)`, where `len_i` is the output's length for
//! one column ([`FunctionDecl::column_output_lens`]).

use crate::decl::{FunctionDecl, InputData, InputKind, OutBuf, Params};
use crate::error::{Error, Result};

/// One 2-D input: `rows` bars by `cols` series; element `(r, c)` is
/// `data[r * row_stride + c * col_stride]`.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    /// The values.
    pub data: &'a [f64],
    /// Number of bars.
    pub rows: usize,
    /// Number of series.
    pub cols: usize,
    /// Distance between consecutive bars of one series.
    pub row_stride: usize,
    /// Distance between the same bar of consecutive series.
    pub col_stride: usize,
}

impl<'a> Columns<'a> {
    /// A row-major (C order) `rows x cols` block.
    #[must_use]
    pub const fn row_major(data: &'a [f64], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// A column-major (Fortran order) `rows x cols` block.
    #[must_use]
    pub const fn col_major(data: &'a [f64], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, row_stride: 1, col_stride: rows }
    }

    /// One series used as every one of `cols` columns (a benchmark's returns against a table of
    /// portfolios): column stride 0.
    #[must_use]
    pub const fn broadcast(data: &'a [f64], cols: usize) -> Self {
        Self { data, rows: data.len(), cols, row_stride: 1, col_stride: 0 }
    }

    /// Column `j` as a slice when it is contiguous.
    fn contiguous(&self, j: usize) -> Option<&'a [f64]> {
        (self.row_stride == 1 || self.rows <= 1)
            .then(|| self.data.get(j * self.col_stride..j * self.col_stride + self.rows))
            .flatten()
    }

    /// Copies column `j` into `buf`.
    fn gather(&self, j: usize, buf: &mut Vec<f64>) {
        buf.clear();
        buf.extend((0..self.rows).map(|r| self.data[r * self.row_stride + j * self.col_stride]));
    }

    fn check(&self, name: &str) -> Result<()> {
        let need = if self.rows == 0 || self.cols == 0 {
            0
        } else {
            (self.rows - 1) * self.row_stride + (self.cols - 1) * self.col_stride + 1
        };
        if self.data.len() < need {
            return Err(Error::InvalidInput {
                input: name.into(),
                reason: format!(
                    "{} values cannot hold {} x {} with strides ({}, {})",
                    self.data.len(),
                    self.rows,
                    self.cols,
                    self.row_stride,
                    self.col_stride
                ),
            });
        }
        Ok(())
    }
}

/// One column-major output buffer of [`FunctionDecl::call_columns`].
#[derive(Debug)]
pub enum ColumnsOut<'a> {
    /// float64 values.
    F64(&'a mut [f64]),
    /// int32 values.
    I32(&'a mut [i32]),
}

impl ColumnsOut<'_> {
    fn len(&self) -> usize {
        match self {
            Self::F64(s) => s.len(),
            Self::I32(s) => s.len(),
        }
    }
}

/// The number of threads [`FunctionDecl::call_columns`] uses when asked for 0: the available
/// parallelism (1 on WebAssembly, which has no threads here).
#[must_use]
pub fn default_threads() -> usize {
    if cfg!(target_arch = "wasm32") {
        1
    } else {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    }
}

impl FunctionDecl {
    /// Whether the function can run over columns: every input is a series.
    #[must_use]
    pub fn accepts_columns(&self) -> bool {
        !self.inputs.is_empty() && self.inputs.iter().all(|i| i.kind == InputKind::Series)
    }

    /// Length of each output for one column of `rows` bars.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if the function does not take series only.
    pub fn column_output_lens(&self, rows: usize, params: &Params) -> Result<Vec<usize>> {
        self.require_columns()?;
        let col = vec![0.0; rows];
        let data: Vec<InputData<'_>> =
            self.inputs.iter().map(|_| InputData::Series(&col)).collect();
        let checked = self.check_inputs(&data)?;
        Ok((0..self.outputs.len()).map(|i| self.output_len_with(i, &checked, params)).collect())
    }

    fn require_columns(&self) -> Result<()> {
        if self.accepts_columns() {
            Ok(())
        } else {
            Err(Error::InvalidInput {
                input: self.inputs.first().map_or("inputs", |i| i.name).into(),
                reason: format!("`{}` does not take 2-D (bars x series) inputs", self.name),
            })
        }
    }

    /// Computes the function on every column of 2-D inputs (all `rows x cols`), into
    /// column-major outputs of `column_output_lens(rows)[i] * cols` values each, on `threads`
    /// threads (0: [`default_threads`]). Column `j` equals the 1-D call on column `j` bit for
    /// bit.
    ///
    /// # Errors
    /// The shapes must agree and the buffers have the right sizes and dtypes. An error of one
    /// column is returned for the first failing column: input errors name it
    /// (`close[:, 3]`), parameter errors are returned as they are.
    pub fn call_columns(
        &self,
        inputs: &[Columns<'_>],
        params: &Params,
        outs: &mut [ColumnsOut<'_>],
        threads: usize,
    ) -> Result<()> {
        self.require_columns()?;
        if inputs.len() != self.inputs.len() {
            return Err(Error::Arity {
                what: format!("number of inputs of `{}`", self.name),
                expected: self.inputs.len(),
                got: inputs.len(),
            });
        }
        let (rows, cols) = (inputs[0].rows, inputs[0].cols);
        for (spec, c) in self.inputs.iter().zip(inputs) {
            c.check(spec.name)?;
            if (c.rows, c.cols) != (rows, cols) {
                return Err(Error::LengthMismatch {
                    input: spec.name.into(),
                    len: c.rows * c.cols,
                    other: self.inputs[0].name.into(),
                    other_len: rows * cols,
                });
            }
        }
        let lens = self.column_output_lens(rows, params)?;
        if outs.len() != self.outputs.len() {
            return Err(Error::Arity {
                what: format!("number of output buffers of `{}`", self.name),
                expected: self.outputs.len(),
                got: outs.len(),
            });
        }
        for ((spec, buf), len) in self.outputs.iter().zip(outs.iter()).zip(&lens) {
            crate::error::check_out_len(spec.name, buf.len(), len * cols)?;
        }
        if cols == 0 {
            return Ok(());
        }
        let threads = if threads == 0 { default_threads() } else { threads }.clamp(1, cols);
        // contiguous column ranges, one per thread, and the matching slices of every output
        let bounds: Vec<usize> = (0..=threads).map(|t| t * cols / threads).collect();
        let mut parts: Vec<Vec<ColumnsOut<'_>>> = (0..threads).map(|_| Vec::new()).collect();
        for (buf, &len) in outs.iter_mut().zip(&lens) {
            match buf {
                ColumnsOut::F64(s) => {
                    let mut rest: &mut [f64] = s;
                    for (t, part) in parts.iter_mut().enumerate() {
                        let (head, tail) = rest.split_at_mut((bounds[t + 1] - bounds[t]) * len);
                        part.push(ColumnsOut::F64(head));
                        rest = tail;
                    }
                }
                ColumnsOut::I32(s) => {
                    let mut rest: &mut [i32] = s;
                    for (t, part) in parts.iter_mut().enumerate() {
                        let (head, tail) = rest.split_at_mut((bounds[t + 1] - bounds[t]) * len);
                        part.push(ColumnsOut::I32(head));
                        rest = tail;
                    }
                }
            }
        }
        let run = |t: usize, part: Vec<ColumnsOut<'_>>| {
            self.run_columns(inputs, params, part, &lens, bounds[t]..bounds[t + 1])
        };
        let results: Vec<std::result::Result<(), (usize, Error)>> = if threads == 1 {
            parts.into_iter().enumerate().map(|(t, p)| run(t, p)).collect()
        } else {
            // the calling thread computes the first part while the workers compute the others
            let mut parts = parts.into_iter().enumerate();
            let first = parts.next();
            std::thread::scope(|s| {
                let handles: Vec<_> = parts.map(|(t, p)| s.spawn(move || run(t, p))).collect();
                let mine = first.map(|(t, p)| run(t, p));
                mine.into_iter()
                    .chain(handles.into_iter().map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err((0, Error::State("a worker thread panicked".into())))
                        })
                    }))
                    .collect()
            })
        };
        match results.into_iter().filter_map(std::result::Result::err).min_by_key(|(j, _)| *j) {
            None => Ok(()),
            Some((j, e)) => Err(match e {
                Error::InvalidInput { input, reason } => {
                    Error::InvalidInput { input: format!("{input}[:, {j}]"), reason }
                }
                other => other,
            }),
        }
    }

    /// The columns `range` into their slices of the outputs (`part`, one per output).
    fn run_columns(
        &self,
        inputs: &[Columns<'_>],
        params: &Params,
        mut part: Vec<ColumnsOut<'_>>,
        lens: &[usize],
        range: std::ops::Range<usize>,
    ) -> std::result::Result<(), (usize, Error)> {
        let mut scratch: Vec<Vec<f64>> = inputs.iter().map(|_| Vec::new()).collect();
        for (k, j) in range.enumerate() {
            for (c, buf) in inputs.iter().zip(scratch.iter_mut()) {
                if c.contiguous(j).is_none() {
                    c.gather(j, buf);
                }
            }
            let data: Vec<InputData<'_>> = inputs
                .iter()
                .zip(&scratch)
                .map(|(c, buf)| InputData::Series(c.contiguous(j).unwrap_or(buf)))
                .collect();
            let mut bufs: Vec<OutBuf<'_>> = part
                .iter_mut()
                .zip(lens)
                .map(|(o, &len)| match o {
                    ColumnsOut::F64(s) => OutBuf::F64(&mut s[k * len..(k + 1) * len]),
                    ColumnsOut::I32(s) => OutBuf::I32(&mut s[k * len..(k + 1) * len]),
                })
                .collect();
            self.call_into(&data, params, &mut bufs).map_err(|e| (j, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decl::Value;
    use crate::registry::find;

    fn walk(n: usize, seed: u64) -> Vec<f64> {
        let mut x = 100.0;
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                #[allow(clippy::cast_precision_loss, reason = "test data")]
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                x += u - 0.5;
                x
            })
            .collect()
    }

    #[test]
    fn columns_equal_one_dimensional_calls_in_either_order_on_any_thread_count() {
        let decl = find("ta", "RSI").expect("RSI is declared");
        let params = decl.params_named([("timeperiod", Value::Int(5))]).expect("valid");
        let (rows, cols) = (50, 7);
        let series: Vec<Vec<f64>> = (0..cols).map(|j| walk(rows, j as u64 + 1)).collect();
        let f: Vec<f64> = series.iter().flatten().copied().collect();
        let c: Vec<f64> = (0..rows).flat_map(|r| series.iter().map(move |s| s[r])).collect();
        let mut expect = Vec::new();
        for s in &series {
            let mut o = vec![0.0; rows];
            decl.call_into(&[InputData::Series(s)], &params, &mut [OutBuf::F64(&mut o)]).unwrap();
            expect.extend(o);
        }
        for (data, order) in [(&f, "F"), (&c, "C")] {
            for threads in [1, 2, 3, 8] {
                let input = if order == "F" {
                    Columns::col_major(data, rows, cols)
                } else {
                    Columns::row_major(data, rows, cols)
                };
                let mut out = vec![0.0; rows * cols];
                decl.call_columns(&[input], &params, &mut [ColumnsOut::F64(&mut out)], threads)
                    .unwrap();
                assert!(
                    out.iter().zip(&expect).all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{order} order, {threads} threads"
                );
            }
        }
    }

    #[test]
    fn a_broadcast_series_is_every_column() {
        let decl = find("risk", "beta").expect("beta is declared");
        let params = decl.default_params();
        let (rows, cols) = (60, 3);
        let series: Vec<Vec<f64>> = (0..cols)
            .map(|j| walk(rows, j as u64 + 7).windows(2).map(|w| w[1] / w[0] - 1.0).collect())
            .collect();
        let rows = rows - 1;
        let bench: Vec<f64> = walk(rows + 1, 99).windows(2).map(|w| w[1] / w[0] - 1.0).collect();
        let f: Vec<f64> = series.iter().flatten().copied().collect();
        let mut out = vec![0.0; cols];
        decl.call_columns(
            &[Columns::col_major(&f, rows, cols), Columns::broadcast(&bench, cols)],
            &params,
            &mut [ColumnsOut::F64(&mut out)],
            2,
        )
        .unwrap();
        for (j, s) in series.iter().enumerate() {
            let mut o = [0.0];
            decl.call_into(
                &[InputData::Series(s), InputData::Series(&bench)],
                &params,
                &mut [OutBuf::F64(&mut o)],
            )
            .unwrap();
            assert_eq!(out[j].to_bits(), o[0].to_bits());
        }
    }

    #[test]
    fn shape_and_buffer_errors_are_typed() {
        let decl = find("ta", "ATR").expect("ATR is declared");
        let params = decl.default_params();
        let a = vec![1.0; 12];
        let b = vec![1.0; 10];
        let mut out = vec![0.0; 12];
        let err = decl
            .call_columns(
                &[
                    Columns::col_major(&a, 6, 2),
                    Columns::col_major(&b, 5, 2),
                    Columns::col_major(&a, 6, 2),
                ],
                &params,
                &mut [ColumnsOut::F64(&mut out)],
                1,
            )
            .unwrap_err();
        assert_eq!(err.code(), "LENGTH_MISMATCH");
        let mut short = vec![0.0; 11];
        let err = decl
            .call_columns(
                &[Columns::col_major(&a, 6, 2); 3],
                &params,
                &mut [ColumnsOut::F64(&mut short)],
                1,
            )
            .unwrap_err();
        assert_eq!(err.code(), "ARITY");
        let inv = find("alloc", "inverse_volatility").expect("declared");
        assert!(!inv.accepts_columns());
    }
}
