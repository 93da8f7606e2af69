// Monte Carlo plan: the core's mc.simulate_portfolio, run in the browser by the `mc` WASM
// bundle; a fan chart of the wealth percentiles, with the goal and ruin probabilities, VaR, ES.
import { card, errorBox, h, loading, money, pct, PALETTE } from '../ui.js';
import { Chart, canvasBox } from '../charts.js';
import { load, mc } from '../wasm.js';

export const title = 'Plan';

const PERCENTILES = [5, 25, 50, 75, 95];

/** The inputs of mc.simulate_portfolio for a one-asset plan with monthly contributions. */
export function planInputs(p) {
  const steps = Math.round(p.years * 12);
  return {
    args: [[1], [p.mu], [[p.vol * p.vol]], [p.monthly], PERCENTILES],
    options: { initial: p.initial, years: p.years, steps, paths: p.paths, seed: p.seed, goal: p.goal, fee: p.fee },
  };
}

export async function mount(view) {
  view.append(h('h1', {}, 'Investment plan (Monte Carlo)'));
  const defaults = { initial: 10000, monthly: 500, years: 20, mu: 0.06, vol: 0.15, goal: 250000, fee: 0.002, paths: 5000, seed: 42 };
  const labels = { initial: 'Initial amount', monthly: 'Monthly contribution', years: 'Years', mu: 'Expected return (per year, e.g. 0.06)', vol: 'Volatility (per year, e.g. 0.15)', goal: 'Goal', fee: 'Annual fee (fraction)', paths: 'Simulated paths', seed: 'Seed' };
  const inputs = {};
  const form = h('form', { class: 'row', id: 'plan-form' }, Object.entries(defaults).map(([k, v]) => {
    inputs[k] = h('input', { id: `plan-${k}`, name: k, type: 'number', step: 'any', value: v, required: true });
    return h('div', { class: 'field' }, h('label', { for: `plan-${k}` }, labels[k]), inputs[k]);
  }), h('button', { type: 'submit', class: 'primary', id: 'run-plan' }, 'Run simulation'));
  const out = h('div', { 'aria-live': 'polite' });
  view.append(card('Plan', form), out);
  let chart = null;

  async function run() {
    const p = Object.fromEntries(Object.entries(inputs).map(([k, el]) => [k, Number(el.value)]));
    chart?.destroy();
    chart = null;
    let r;
    try {
      r = await loading(out, 'the simulation', async () => {
        await load('mc');
        const { args, options } = planInputs(p);
        return mc.simulatePortfolio(...args, options);
      });
    } catch {
      return;
    }
    const [steps, k] = r.bands.shape;
    const band = (j) => Array.from({ length: steps }, (_, i) => r.bands.data[i * k + j]);
    const labelsX = Array.from({ length: steps }, (_, i) => (i % 12 === 0 ? `year ${i / 12}` : ''));
    const { box, canvas } = canvasBox('Fan chart of wealth percentiles over the plan');
    const stats = h('dl', { class: 'metrics', 'data-testid': 'plan-stats' },
      h('dt', {}, 'Mean final wealth'), h('dd', { 'data-key': 'mean', 'data-value': r.mean }, money(r.mean)),
      h('dt', {}, 'Median final wealth'), h('dd', { 'data-key': 'median', 'data-value': band(2)[steps - 1] }, money(band(2)[steps - 1])),
      h('dt', {}, `Chance of reaching ${money(p.goal)}`), h('dd', { 'data-key': 'prob_goal', 'data-value': r.prob_goal }, pct(r.prob_goal, 1)),
      h('dt', {}, 'Chance of running out'), h('dd', { 'data-key': 'prob_ruin', 'data-value': r.prob_ruin }, pct(r.prob_ruin, 1)),
      h('dt', {}, 'VaR 95 % of the profit'), h('dd', { 'data-key': 'var', 'data-value': r.var }, money(r.var)),
      h('dt', {}, 'Expected shortfall 95 %'), h('dd', { 'data-key': 'es', 'data-value': r.es }, money(r.es)));
    out.replaceChildren(h('div', { class: 'grid' }, card('Wealth: 5th–95th percentile fan', box), card('Outcome', stats,
      h('p', { class: 'muted' }, `${p.paths} paths of ${steps - 1} monthly steps, computed in your browser (mc.simulate_portfolio, WebAssembly).`))));
    const c = PALETTE[0];
    chart = new Chart(canvas, {
      type: 'line',
      data: {
        labels: labelsX,
        datasets: [
          { label: '95th', data: band(4), borderColor: 'transparent', backgroundColor: 'rgba(0,114,178,.15)', fill: '+4', pointRadius: 0 },
          { label: '75th', data: band(3), borderColor: 'transparent', backgroundColor: 'rgba(0,114,178,.30)', fill: '+2', pointRadius: 0 },
          { label: 'Median', data: band(2), borderColor: c, borderWidth: 2, pointRadius: 0, fill: false },
          { label: '25th', data: band(1), borderColor: 'transparent', pointRadius: 0, fill: false },
          { label: '5th', data: band(0), borderColor: 'transparent', pointRadius: 0, fill: false },
        ],
      },
      options: { scales: { x: { ticks: { autoSkip: false, maxRotation: 0, callback: (v, i) => labelsX[i] } }, y: { ticks: { callback: (v) => money(v) } } }, interaction: { mode: 'index', intersect: false } },
    });
    window.__sextant.plan = { inputs: p, mean: r.mean, prob_goal: r.prob_goal, prob_ruin: r.prob_ruin, var: r.var, es: r.es, median: band(2) };
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run().catch((err) => out.replaceChildren(errorBox(err)));
  });
  await run();
  return { dispose: () => chart?.destroy() };
}
