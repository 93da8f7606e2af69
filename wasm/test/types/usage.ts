// Compiled with `tsc --noEmit --strict` by the wasm stage: the generated index.d.ts types the
// browser entry (async init) and the Node entry alike.
import init, { initSync, ta, risk, SextantError, type Stream } from 'sextant-wasm';
import { alloc } from 'sextant-wasm/node';

export async function main(bytes: Uint8Array): Promise<number> {
  await init();
  await init({ modules: ['ta', 'risk'], paths: { ta: new URL('https://example.invalid/sextant_wasm_bg.wasm') } });
  initSync({ ta: bytes }, {});
  const close = new Float64Array([1, 2, 3]);
  const rsi: Float64Array = ta.RSI(close, { timeperiod: 14 });
  const { middleband } = ta.BBANDS(close);
  const s: Stream<[real: number], number> = ta.stream.EMA({ timeperiod: 3 });
  const w: Float64Array = alloc.inverseVolatility([[1, 0], [0, 1]]);
  try {
    risk.sharpeRatio(close, { period: 'weekly' });
  } catch (e) {
    if (e instanceof SextantError) return e.code.length;
  }
  // @ts-expect-error unknown option key
  ta.EMA(close, { period: 3 });
  return rsi.length + middleband.length + s.update(1) + w.length;
}
