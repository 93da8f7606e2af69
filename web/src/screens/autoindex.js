// AutoIndex builder: universe, weighting rule and schedule -> a stored strategy; its backtest
// over the stored bars (GET .../backtest), the index chart, and the current weights (POST
// .../rebalance records the allocation at the newest bar).
import { api } from '../api.js';
import { Chart, canvasBox } from '../charts.js';
import { card, errorBox, h, loading, num, pct, PALETTE } from '../ui.js';

export const title = 'AutoIndex';

const SCHEMES = ['inverse_volatility', 'equal', 'min_variance', 'max_sharpe', 'risk_parity', 'hrp', 'momentum'];
const SCHEDULES = ['monthly', 'quarterly', 'annually'];

export async function mount(view) {
  view.append(h('h1', {}, 'AutoIndex'));
  const top = h('div');
  const result = h('div', { 'aria-live': 'polite' });
  view.append(top, result);
  const charts = [];
  const state = (window.__sextant.autoindex = {});

  const [instruments, strategies] = await loading(top, 'instruments and strategies', () =>
    Promise.all([api('GET', '/v1/instruments?limit=1000'), api('GET', '/v1/autoindex/strategies?limit=100')]));

  const sel = (id, options, value) => {
    const s = h('select', { id }, options.map((o) => h('option', { value: o }, o.replaceAll('_', ' '))));
    s.value = value;
    return s;
  };
  const name = h('input', { id: 'ai-name', value: 'My index', required: true });
  const boxes = instruments.items.map((i) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'symbols', value: i.symbol, checked: i.asset_class === 'index' }), ` ${i.symbol} `));
  const scheme = sel('ai-scheme', SCHEMES, 'inverse_volatility');
  const window_ = h('input', { id: 'ai-window', type: 'number', min: 2, value: 63 });
  const schedule = sel('ai-schedule', SCHEDULES, 'monthly');
  const bps = h('input', { id: 'ai-bps', type: 'number', min: 0, step: 'any', value: 10 });
  const auto = sel('ai-auto', ['none', 'daily', 'weekly', 'monthly'], 'none');
  const from = h('input', { id: 'ai-from', type: 'date', value: '2010-01-01' });
  const f = (label, id, el) => h('div', { class: 'field' }, h('label', { for: id }, label), el);
  const status = h('div', { 'aria-live': 'polite' });
  const form = h('form', { id: 'ai-form' },
    h('div', { class: 'row' }, f('Name', 'ai-name', name), f('Weighting', 'ai-scheme', scheme), f('Estimation window (bars)', 'ai-window', window_),
      f('Rebalance', 'ai-schedule', schedule), f('Costs (basis points)', 'ai-bps', bps), f('Automatic rebalance', 'ai-auto', auto), f('Backtest from', 'ai-from', from)),
    h('fieldset', {}, h('legend', {}, 'Universe'), boxes),
    h('button', { type: 'submit', class: 'primary', id: 'ai-create' }, 'Create and backtest'), status);
  const existing = h('select', { id: 'ai-existing' }, h('option', { value: '' }, '(choose)'), strategies.items.map((s) => h('option', { value: s.id }, s.name)));
  top.append(card('Build an index', form),
    strategies.items.length ? card('Your strategies', h('div', { class: 'row' }, f('Strategy', 'ai-existing', existing))) : '');

  async function show(strategy) {
    charts.splice(0).forEach((c) => c.destroy());
    let bt, alloc;
    try {
      [bt, alloc] = await loading(result, `the backtest of ${strategy.name}`, async () => {
        const q = from.value ? `?from=${from.value}` : '';
        const b = await api('GET', `/v1/autoindex/strategies/${strategy.id}/backtest${q}`);
        const a = await api('POST', `/v1/autoindex/strategies/${strategy.id}/rebalance`);
        return [b, a];
      });
    } catch {
      return;
    }
    const first = bt.start ?? 0;
    const dates = bt.dates.slice(first);
    const values = bt.values.slice(first);
    Object.assign(state, { id: strategy.id, dates, values, weights: alloc.weights, risk: bt.risk });
    const chartC = canvasBox(`Backtest of ${strategy.name}: index value`);
    const donutC = canvasBox('Current weights', 'chart donut');
    const weights = Object.entries(alloc.weights);
    const riskList = h('dl', { class: 'metrics', 'data-testid': 'ai-risk' },
      [['annual_return', 'Annual return', pct], ['annual_volatility', 'Annual volatility', pct], ['max_drawdown', 'Maximum drawdown', pct], ['sharpe_ratio', 'Sharpe ratio', (x) => num(x, 2)]]
        .filter(([k]) => k in (bt.risk ?? {}))
        .flatMap(([k, label, fmt]) => [h('dt', {}, label), h('dd', { 'data-key': k, 'data-value': String(bt.risk[k]) }, fmt(bt.risk[k]))]),
      h('dt', {}, 'Rebalances'), h('dd', {}, String(bt.rebalances.length)),
      h('dt', {}, 'Total costs'), h('dd', {}, num(bt.total_costs, 2)));
    result.replaceChildren(
      card(`Backtest: ${strategy.name} (${dates[0]} to ${dates.at(-1)})`, chartC.box),
      h('div', { class: 'grid' },
        card(`Current weights (as of ${alloc.as_of})`, donutC.box, h('table', { 'data-testid': 'ai-weights' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Asset'), h('th', { scope: 'col' }, 'Weight'), h('th', { scope: 'col' }, 'Target'))),
          h('tbody', {}, weights.map(([s, w]) => h('tr', {}, h('td', {}, s), h('td', { 'data-value': w }, pct(w)), h('td', {}, pct(alloc.targets?.[s]))))))),
        card('Backtest statistics', riskList)));
    charts.push(new Chart(chartC.canvas, {
      type: 'line',
      data: { labels: dates, datasets: [{ label: 'Index value (starts at 100)', data: values, borderColor: PALETTE[0], borderWidth: 2, pointRadius: 0 }] },
      options: { interaction: { mode: 'index', intersect: false }, scales: { x: { ticks: { maxTicksLimit: 8, maxRotation: 0 } } } },
    }));
    charts.push(new Chart(donutC.canvas, {
      type: 'doughnut',
      data: { labels: weights.map(([s]) => s), datasets: [{ data: weights.map(([, w]) => w), backgroundColor: weights.map((_, i) => PALETTE[i % PALETTE.length]), borderColor: '#fff', borderWidth: 2 }] },
      options: { cutout: '60%', plugins: { legend: { position: 'right' } } },
    }));
    state.shown = true;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    status.replaceChildren();
    const symbols = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    if (!symbols.length) return status.append(errorBox(new Error('Choose at least one instrument for the universe.')));
    const weighting = { scheme: scheme.value, window: Number(window_.value) };
    if (scheme.value === 'momentum') weighting.top_n = Math.max(1, Math.ceil(symbols.length / 2));
    const body = {
      name: name.value || 'My index',
      auto_rebalance: auto.value === 'none' ? null : auto.value,
      strategy: { version: 1, universe: { kind: 'static', symbols }, weighting, schedule: { kind: schedule.value }, costs: { bps: Number(bps.value) } },
    };
    try {
      const s = await api('POST', '/v1/autoindex/strategies', body);
      existing.append(h('option', { value: s.id }, s.name));
      await show(s);
    } catch (err) {
      status.append(errorBox(err));
    }
  });
  existing.addEventListener('change', () => {
    const s = strategies.items.find((x) => x.id === existing.value);
    if (s) show(s);
  });
  return { dispose: () => charts.forEach((c) => c.destroy()) };
}
