// Compiled with `tsc --noEmit --strict` by the node stage: the generated index.d.ts must type
// real usage, and reject wrong option types and unknown keys.
import { alloc, registry, risk, SextantError, ta, type Stream } from 'sextant';

const close = new Float64Array([1, 2, 3, 4, 5]);
const rsi: Float64Array = ta.RSI(close, { timeperiod: 14 });
const bands = ta.BBANDS([1, 2, 3, null], { timeperiod: 20, nbdevup: 2, matype: 0 });
const upper: Float64Array = bands.upperband;
const pattern: Int32Array = ta.CDLENGULFING(close, close, close, close);
const sharpe: number = risk.sharpeRatio(close, { riskFree: 0, period: 'daily', annualization: null });
const w: Float64Array = alloc.inverseVolatility([[1, 0], [0, 2]]);
const w2: Float64Array = alloc.inverseVolatility({ data: [1, 0, 0, 2], rows: 2, cols: 2 });

const s: Stream<[real: number], number> = ta.stream.RSI({ timeperiod: 14, history: close });
const v: number = s.update(6);
const bb = ta.stream.BBANDS();
const mid: number = bb.update(3).middleband;
const atr = ta.stream.ATR({ history: { high: close, low: close, close } });
atr.update(1, 2, 3);
const restored = ta.stream.RSI.restore(s.save());
const n: number = restored.bars + registry.length;

try {
  ta.RSI(close, { timeperiod: 0 });
} catch (e) {
  if (e instanceof SextantError) {
    const code: string = e.code;
    const param: string | null = e.param;
    console.log(code, param);
  }
}

// @ts-expect-error unknown option key
ta.RSI(close, { timePeriod: 14 });
// @ts-expect-error a string for a number
ta.SMA(close, { timeperiod: '14' });
// @ts-expect-error not one of the choices
risk.sharpeRatio(close, { period: 'hourly' });
// @ts-expect-error ATR streams take three values per bar
atr.update(1);

export { rsi, upper, pattern, sharpe, w, w2, v, mid, n };
