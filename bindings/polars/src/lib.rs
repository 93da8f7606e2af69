//! Sextant's polars expression plugin: ONE generic plugin function, [`sextant_call`], computes
//! any registered function of same-length series (every indicator of `ta`) on polars columns.
//! It takes the function's registry name and parameters as keyword arguments, resolves the
//! [`FunctionDecl`] from the registry and runs its batch `compute`; the Python wrappers
//! `sextant.polars.<NAME>` are generated from the registry metadata
//! (`python/src/sextant/polars.py`). Nothing here is written per function.
//!
//! Per group: polars calls the plugin once per group under `.over(...)` / `group_by().agg`
//! (it is registered as not elementwise), so warm-up restarts in each group and no value is
//! computed across a group boundary.
//!
//! Missing data: a null input value is read as NaN, so the core's `nan_policy` applies (by
//! default: leading nulls skipped, an interior null gives null wherever the indicator's window
//! or memory includes it, and the state re-seeds after lookback + 1 clean bars). Outputs: a NaN
//! output (warm-up, NaN-affected windows) is a null; int32 outputs (candlestick patterns) are
//! null during the warm-up (leading nulls plus the lookback) and TA-Lib's integers after it.
#![allow(
    unsafe_code,
    reason = "the #[polars_expr] macro generates the C ABI glue; this file writes none"
)]
#![allow(
    missing_docs,
    reason = "the C ABI functions #[polars_expr] generates have no doc comments"
)]

use polars::prelude::*;
use pyo3_polars::derive::polars_expr;
use serde::Deserialize;
use sextant_core::decl::{FunctionDecl, InputData, InputKind, OutVec, OutputKind, Params, Value};
use sextant_core::registry;
use std::collections::BTreeMap;

/// The keyword arguments of [`sextant_call`] (pickled by polars, built by `sextant.polars`).
#[derive(Debug, Deserialize)]
struct Kwargs {
    /// Registry module (`ta`).
    module: String,
    /// Registry name (`RSI`).
    name: String,
    /// The parameters in declaration order, as JSON (numbers, strings, null, booleans).
    params: String,
    /// TA-Lib's per-id unstable periods (`set_unstable_period`), as JSON `{id: period}`.
    #[serde(default)]
    unstable: String,
    /// TA-Lib's candle settings (`set_candle_settings`), as JSON `{setting: [range, avg, factor]}`.
    #[serde(default)]
    candles: String,
}

fn err(e: impl std::fmt::Display) -> PolarsError {
    PolarsError::ComputeError(e.to_string().into())
}

/// Whether the plugin serves a function: series inputs only, series outputs only.
fn supported(decl: &FunctionDecl) -> bool {
    !decl.inputs.is_empty()
        && decl.inputs.iter().all(|i| i.kind == InputKind::Series && !i.free_len)
        && decl
            .outputs
            .iter()
            .all(|o| matches!(o.kind, OutputKind::SeriesF64 | OutputKind::SeriesI32))
}

fn decl_of(kw: &Kwargs) -> PolarsResult<&'static FunctionDecl> {
    let decl = registry::find(&kw.module, &kw.name)
        .ok_or_else(|| err(format!("sextant has no function `{}.{}`", kw.module, kw.name)))?;
    if !supported(decl) {
        return Err(err(format!(
            "`{}.{}` is not a function of same-length series; the polars plugin does not serve it",
            kw.module, kw.name
        )));
    }
    Ok(decl)
}

fn params_of(decl: &FunctionDecl, kw: &Kwargs) -> PolarsResult<Params> {
    let values: Vec<Value> = serde_json::from_str(&kw.params).map_err(err)?;
    let mut params = decl.params_positional(&values).map_err(err)?;
    if !kw.unstable.is_empty() {
        let ids: BTreeMap<String, u32> = serde_json::from_str(&kw.unstable).map_err(err)?;
        for (id, period) in ids {
            params.set_unstable(&id, period).map_err(err)?;
        }
    }
    if !kw.candles.is_empty() {
        let settings: BTreeMap<String, (i64, i64, f64)> =
            serde_json::from_str(&kw.candles).map_err(err)?;
        for (id, (range, period, factor)) in settings {
            params.set_candle(&id, "", range, period, factor).map_err(err)?;
        }
    }
    Ok(params)
}

fn dtype_of(kind: OutputKind) -> DataType {
    match kind {
        OutputKind::SeriesI32 => DataType::Int32,
        _ => DataType::Float64,
    }
}

/// The output's schema: the output's dtype named after the first input for one output, a
/// struct of the named outputs (MACD's `macd`, `macdsignal`, `macdhist`) for several.
fn output_field(input_fields: &[Field], kw: Kwargs) -> PolarsResult<Field> {
    let decl = decl_of(&kw)?;
    let name = input_fields
        .first()
        .map_or_else(|| PlSmallStr::from_static(decl.name), |f| f.name().clone());
    if let [one] = decl.outputs {
        return Ok(Field::new(name, dtype_of(one.kind)));
    }
    let fields = decl.outputs.iter().map(|o| Field::new(o.name.into(), dtype_of(o.kind))).collect();
    Ok(Field::new(name, DataType::Struct(fields)))
}

/// One input column as float64 values, nulls as NaN (no copy for a float64 column without
/// nulls in one chunk).
fn as_f64(s: &Series) -> PolarsResult<std::borrow::Cow<'_, [f64]>> {
    let ca = if s.dtype() == &DataType::Float64 { None } else { Some(s.cast(&DataType::Float64)?) };
    let ca64 = match &ca {
        Some(c) => c.f64()?.clone(),
        None => s.f64()?.clone(),
    };
    if ca.is_none() && ca64.null_count() == 0 {
        if let Ok(slice) = s.f64()?.cont_slice() {
            return Ok(std::borrow::Cow::Borrowed(slice));
        }
    }
    Ok(std::borrow::Cow::Owned(ca64.iter().map(|v| v.unwrap_or(f64::NAN)).collect()))
}

/// Index of the first row where every input has a value (the core skips leading NaNs).
fn first_valid(inputs: &[std::borrow::Cow<'_, [f64]>], n: usize) -> usize {
    (0..n).find(|&i| inputs.iter().all(|s| !s[i].is_nan())).unwrap_or(n)
}

/// The generic plugin function: `sextant.polars.<NAME>(*inputs, **params)` lands here.
#[polars_expr(output_type_func_with_kwargs=output_field)]
fn sextant_call(inputs: &[Series], kwargs: Kwargs) -> PolarsResult<Series> {
    let decl = decl_of(&kwargs)?;
    let params = params_of(decl, &kwargs)?;
    if inputs.len() != decl.inputs.len() {
        return Err(err(format!(
            "`{}` takes {} inputs ({}), got {}",
            decl.name,
            decl.inputs.len(),
            decl.inputs.iter().map(|i| i.name).collect::<Vec<_>>().join(", "),
            inputs.len()
        )));
    }
    let name = inputs[0].name().clone();
    let n = inputs[0].len();
    let cols = inputs.iter().map(as_f64).collect::<PolarsResult<Vec<_>>>()?;
    let data: Vec<InputData<'_>> = cols.iter().map(|c| InputData::Series(c)).collect();
    let outs = decl.call(&data, &params).map_err(err)?;
    // int32 outputs: null through the warm-up (leading missing rows plus the lookback)
    let warm = match decl.lookback {
        Some(f) => first_valid(&cols, n).saturating_add(f(&params).map_err(err)?).min(n),
        None => 0,
    };
    let series: Vec<Series> = outs
        .into_iter()
        .zip(decl.outputs)
        .map(|(o, spec)| {
            let oname: PlSmallStr = spec.name.into();
            match o {
                OutVec::F64(v) => Ok(Float64Chunked::from_iter_options(
                    oname,
                    v.into_iter().map(|x| if x.is_nan() { None } else { Some(x) }),
                )
                .into_series()),
                OutVec::I32(v) => Ok(Int32Chunked::from_iter_options(
                    oname,
                    v.into_iter().enumerate().map(|(i, x)| if i < warm { None } else { Some(x) }),
                )
                .into_series()),
                _ => Err(err(format!("`{}`: output `{}` is not a series", decl.name, spec.name))),
            }
        })
        .collect::<PolarsResult<_>>()?;
    if let [one] = &series[..] {
        return Ok(one.clone().with_name(name));
    }
    Ok(StructChunked::from_series(name, n, series.iter())?.into_series())
}
