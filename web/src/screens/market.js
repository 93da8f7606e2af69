// Market chart: candles from the stored bars, indicators chosen from the core's declarations
// (the WASM module's registry), parameters editable, recomputed in the browser at each change.
// Overlap studies and price transforms draw on the price pane; the rest get a pane each.
import { CandlestickSeries, createChart, HistogramSeries, LineSeries } from 'lightweight-charts';
import { api } from '../api.js';
import { card, errorBox, h, loading, PALETTE } from '../ui.js';
import * as live from '../live.js';
import { barIndicators, load, optionKey, ta } from '../wasm.js';

export const title = 'Market';

const OVERLAY_GROUPS = new Set(['Overlap Studies', 'Price Transform']);

/** The indicators the picker offers: every declared `ta` function of the loaded bundle whose
 * inputs are bar fields (`real` is the close). */
export function pickable() {
  return barIndicators();
}

function compute(info, bars, params) {
  const args = info.inputs.map((i) => bars[i.name === 'real' ? 'close' : i.name]);
  const opts = {};
  for (const p of info.params) {
    if (p.name === 'nan_policy' || p.name === 'unstable_period') continue;
    if (params[p.name] !== undefined) opts[optionKey(p.name)] = params[p.name];
  }
  const out = ta[info.name](...args, opts);
  if (info.outputs.length === 1) return { [info.outputs[0].name]: out };
  return out;
}

export async function mount(view) {
  view.append(h('h1', {}, 'Market'));
  const top = h('div', { class: 'row' });
  const status = h('div');
  const chartBox = h('div', { class: 'chart', style: 'height: 460px', role: 'img', 'aria-label': 'Candlestick chart' });
  const legend = h('p', { class: 'muted', 'aria-live': 'polite' });
  const quote = h('p', { class: 'muted', 'data-testid': 'live-quote' });
  const indList = h('div', { 'aria-label': 'Indicators on the chart' });
  const picker = h('div', { class: 'row' });
  view.append(card('Chart', top, status, chartBox, legend, quote), card('Indicators (computed in your browser by WebAssembly)', picker, indList));

  const [instruments] = await loading(status, 'instruments and the indicator library', () =>
    Promise.all([api('GET', '/v1/instruments?limit=1000'), load('ta')]));
  const symbols = instruments.items.map((i) => i.symbol);
  const symSel = h('select', { id: 'symbol', 'aria-label': 'Instrument' }, symbols.map((s) => h('option', { value: s }, s)));
  if (symbols.includes('MSFT')) symSel.value = 'MSFT';
  top.append(h('label', { for: 'symbol' }, 'Instrument '), symSel);

  const infos = pickable();
  const groups = [...new Set(infos.map((f) => f.group))];
  const fnSel = h('select', { id: 'indicator', 'aria-label': 'Indicator' },
    groups.map((g) => h('optgroup', { label: g }, infos.filter((f) => f.group === g).map((f) => h('option', { value: f.name }, `${f.name} – ${f.summary}`)))));
  fnSel.value = 'RSI';
  const addBtn = h('button', { type: 'button', class: 'primary', id: 'add-indicator' }, 'Add indicator');
  picker.append(h('label', { for: 'indicator' }, `Indicator (${infos.length} declared) `), fnSel, addBtn);

  let bars = null;
  let chart = null;
  const active = []; // { id, info, params, colour }
  const state = (window.__sextant.market = { indicators: {}, symbol: null, bars: 0 });
  let nextId = 1;

  function draw() {
    chart?.remove();
    chart = createChart(chartBox, {
      autoSize: true,
      layout: { textColor: '#1b1f24', background: { color: '#ffffff' }, panes: { separatorColor: '#d0d5db' } },
      grid: { vertLines: { color: '#eef0f3' }, horzLines: { color: '#eef0f3' } },
      timeScale: { borderColor: '#d0d5db' },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: '#0072B2', borderUpColor: '#0072B2', wickUpColor: '#0072B2',
      downColor: '#D55E00', borderDownColor: '#D55E00', wickDownColor: '#D55E00',
    });
    candles.setData(bars.time.map((t, i) => ({ time: t, open: bars.open[i], high: bars.high[i], low: bars.low[i], close: bars.close[i] })));
    let pane = 0;
    state.indicators = {};
    for (const ind of active) {
      ind.error?.remove();
      ind.error = null;
      let out;
      try {
        out = compute(ind.info, bars, ind.params);
      } catch (e) {
        ind.error = errorBox(e);
        ind.el.append(ind.error);
        continue;
      }
      state.indicators[ind.id] = { name: ind.info.name, params: { ...ind.params }, outputs: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v)])) };
      const where = OVERLAY_GROUPS.has(ind.info.group) ? 0 : ++pane;
      Object.entries(out).forEach(([name, values], j) => {
        const colour = PALETTE[(ind.colour + j) % PALETTE.length];
        const integer = values instanceof Int32Array;
        const s = chart.addSeries(integer ? HistogramSeries : LineSeries, { color: colour, lineWidth: 1.5, title: `${ind.info.name} ${name}`, priceLineVisible: false, lastValueVisible: true }, where);
        s.setData(bars.time.map((t, i) => (Number.isFinite(values[i]) ? { time: t, value: values[i] } : { time: t })));
      });
    }
    legend.textContent = `${bars.time.length} daily bars of ${state.symbol}${active.length ? `; indicators: ${active.map((a) => a.info.name).join(', ')}` : ''}.`;
  }

  async function loadBars() {
    const sym = symSel.value;
    const page = await loading(status, `${sym} bars`, () => api('GET', `/v1/instruments/${encodeURIComponent(sym)}/bars?interval=1d&limit=10000`));
    const items = page.items;
    bars = {
      time: items.map((b) => b.ts.slice(0, 10)),
      open: Float64Array.from(items, (b) => b.open ?? NaN),
      high: Float64Array.from(items, (b) => b.high ?? NaN),
      low: Float64Array.from(items, (b) => b.low ?? NaN),
      close: Float64Array.from(items, (b) => b.close ?? NaN),
      volume: Float64Array.from(items, (b) => b.volume ?? NaN),
    };
    // live quotes of the instrument over the WebSocket (web/src/live.js)
    if (state.symbol && state.symbol !== sym) live.unsubscribe({ channel: 'quotes', symbol: state.symbol });
    live.subscribe({ channel: 'quotes', symbol: sym });
    quote.textContent = `Live quotes of ${sym}: none since the page opened.`;
    state.symbol = sym;
    state.bars = items.length;
    draw();
  }

  function paramInput(ind, p) {
    const id = `p-${ind.id}-${p.name}`;
    let input;
    if (p.kind === 'choice') {
      input = h('select', { id }, p.options.map((o) => h('option', { value: o }, o)));
    } else if (p.kind === 'bool') {
      input = h('input', { id, type: 'checkbox' });
      input.checked = Boolean(p.default);
    } else {
      const int = p.kind === 'int' || p.kind === 'matype';
      input = h('input', { id, type: 'number', step: int ? '1' : 'any', min: p.min != null && Math.abs(p.min) < 1e9 ? p.min : undefined, max: p.max != null && Math.abs(p.max) < 1e9 ? p.max : undefined, title: p.doc });
    }
    if (p.kind !== 'bool') input.value = ind.params[p.name] ?? p.default ?? '';
    input.addEventListener('input', () => {
      const v = p.kind === 'choice' ? input.value : p.kind === 'bool' ? input.checked : Number(input.value);
      if (p.kind !== 'choice' && p.kind !== 'bool' && (input.value === '' || !Number.isFinite(v))) return;
      ind.params[p.name] = v;
      draw();
    });
    return h('div', { class: 'field' }, h('label', { for: id, title: p.doc }, p.name), input);
  }

  function add(name) {
    const info = infos.find((f) => f.name === name);
    const ind = { id: `${name}-${nextId++}`, info, params: {}, colour: (active.length * 2 + 1) % PALETTE.length };
    for (const p of info.params) if (p.name !== 'nan_policy' && p.name !== 'unstable_period') ind.params[p.name] = p.default;
    const remove = h('button', { type: 'button', 'aria-label': `Remove ${name}` }, 'Remove');
    ind.el = h('div', { class: 'ind', 'data-indicator': ind.id },
      h('header', {}, h('span', {}, h('span', { class: 'swatch', style: `background:${PALETTE[ind.colour]}` }), `${info.name} – ${info.summary}`), remove),
      h('div', { class: 'row' }, info.params.filter((p) => p.name !== 'nan_policy' && p.name !== 'unstable_period').map((p) => paramInput(ind, p))));
    remove.addEventListener('click', () => {
      active.splice(active.indexOf(ind), 1);
      ind.el.remove();
      draw();
      fnSel.focus();
    });
    active.push(ind);
    indList.append(ind.el);
    draw();
  }

  addBtn.addEventListener('click', () => bars && add(fnSel.value));
  symSel.addEventListener('change', () => loadBars().catch(() => {}));
  const offQuote = live.onEvent((e) => {
    if (e.type !== 'quote' || e.symbol !== state.symbol) return;
    state.lastQuote = e;
    quote.textContent = `Live: ${e.symbol} ${e.price} at ${new Date(e.ts * 1000).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
  });
  await loadBars();
  return {
    dispose: () => {
      offQuote();
      if (state.symbol) live.unsubscribe({ channel: 'quotes', symbol: state.symbol });
      chart?.remove();
    },
  };
}
