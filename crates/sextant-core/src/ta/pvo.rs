//! TA-Lib's `PVO`: the percentage price oscillator of volume.

use serde::{Deserialize, Serialize};

use super::macd::{OscillatorKind, PriceOscillator};
use super::{kernel_decl, MAX_PERIOD};
use crate::decl::{FromParams, OutputSpec, ParamSpec, Params};
use crate::error::Result;

/// Streaming state of `PVO`: `PPO(volume, fastperiod, slowperiod, matype)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeOscillator(PriceOscillator);

impl FromParams for VolumeOscillator {
    fn from_params(p: &Params) -> Result<Self> {
        Ok(Self(PriceOscillator::new(
            p.usize(0),
            p.usize(1),
            p.int(2),
            OscillatorKind::Percentage,
        )?))
    }
}

super::delegate_kernel!(VolumeOscillator => PriceOscillator);

kernel_decl!(PVO: VolumeOscillator, "Volume Indicators", "Percentage Volume Oscillator",
    "PPO of volume: 100 * (MA(fast) - MA(slow)) / MA(slow). Reference: TA-Lib PVO.",
    inputs ["volume": "volumes"],
    params [
        ParamSpec::int("fastperiod", 12, 2, MAX_PERIOD, "fast average length"),
        ParamSpec::int("slowperiod", 26, 2, MAX_PERIOD, "slow average length"),
        ParamSpec::matype("matype", 1, "average type"), crate::decl::UNSTABLE_PERIOD
    ],
    outputs [OutputSpec::f64("real")]);
