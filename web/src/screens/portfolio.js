// Portfolio: holdings and P&L, performance (daily TWR) against a benchmark instrument, the
// allocation donut and the risk panel. Every number is the server's (GET .../holdings,
// .../performance?daily=true, .../risk); the benchmark is the instrument's stored closes.
import demoCsv from 'sextant-server-demo/transactions.csv?raw';
import { api } from '../api.js';
import { Chart, canvasBox } from '../charts.js';
import { card, errorBox, h, loading, money, num, pct, PALETTE, toast } from '../ui.js';

export const title = 'Portfolio';

const RISK = [
  ['value_at_risk', 'Value at risk (1 day, 95 %)', pct],
  ['conditional_value_at_risk', 'Expected shortfall (1 day, 95 %)', pct],
  ['max_drawdown', 'Maximum drawdown', pct],
  ['annual_return', 'Annual return', pct],
  ['annual_volatility', 'Annual volatility', pct],
  ['sharpe_ratio', 'Sharpe ratio', (x) => num(x, 2)],
  ['sortino_ratio', 'Sortino ratio', (x) => num(x, 2)],
  ['calmar_ratio', 'Calmar ratio', (x) => num(x, 2)],
  ['tail_ratio', 'Tail ratio', (x) => num(x, 2)],
];

/** Drawdown series of a cumulative-return series (1 + c over its running peak, minus 1). */
export function drawdowns(cumulative) {
  let peak = -Infinity;
  return cumulative.map((c) => {
    const v = 1 + c;
    peak = Math.max(peak, v);
    return v / peak - 1;
  });
}

export async function mount(view, { navigate }) {
  view.append(h('h1', {}, 'Portfolio'));
  const head = h('div');
  const body = h('div');
  view.append(head, body);
  const charts = [];
  const state = (window.__sextant.portfolio = {});

  const [list, instruments] = await loading(head, 'your portfolios', () =>
    Promise.all([api('GET', '/v1/portfolios?limit=100'), api('GET', '/v1/instruments?limit=1000')]));
  if (!list.items.length) {
    const name = h('input', { id: 'pf-name', value: 'My portfolio' });
    const create = h('button', { type: 'button' }, 'Create an empty portfolio');
    const demo = h('button', { type: 'button', class: 'primary', id: 'import-demo' }, 'Create one with the demo transactions');
    const status = h('div', { 'aria-live': 'polite' });
    head.append(card('No portfolio yet',
      h('p', {}, 'Start with the demo transactions (a deposit, buys of MSFT and the S&P 500, a sale, a withdrawal; 2015–2017), or an empty portfolio to import your own CSV.'),
      h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'pf-name' }, 'Name'), name), create, demo), status));
    const make = async (withDemo) => {
      create.disabled = demo.disabled = true;
      status.replaceChildren(h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ' Creating…'));
      try {
        const p = await api('POST', '/v1/portfolios', { name: withDemo ? 'Demo' : name.value || 'My portfolio', base_currency: 'USD' });
        if (withDemo) {
          const r = await api('POST', `/v1/portfolios/${p.id}/imports`, demoCsv, { contentType: 'text/csv' });
          toast(`Imported ${r.created} transactions.`);
        }
        navigate('/portfolio', { replace: true });
      } catch (e) {
        status.replaceChildren(errorBox(e));
        create.disabled = demo.disabled = false;
      }
    };
    create.addEventListener('click', () => make(false));
    demo.addEventListener('click', () => make(true));
    return {};
  }

  const pfSel = h('select', { id: 'portfolio' }, list.items.map((p) => h('option', { value: p.id }, p.name)));
  const bmSel = h('select', { id: 'benchmark' }, instruments.items.map((i) => h('option', { value: i.symbol }, `${i.symbol} – ${i.name}`)));
  bmSel.value = instruments.items.some((i) => i.symbol === 'SPX') ? 'SPX' : instruments.items[0]?.symbol;
  const file = h('input', { type: 'file', id: 'csv', accept: '.csv,text/csv' });
  const importStatus = h('div', { 'aria-live': 'polite' });
  head.append(card('Portfolio',
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'portfolio' }, 'Portfolio'), pfSel),
      h('div', { class: 'field' }, h('label', { for: 'benchmark' }, 'Benchmark'), bmSel),
      h('div', { class: 'field' }, h('label', { for: 'csv' }, 'Import transactions (CSV)'), file)),
    importStatus));

  async function show() {
    charts.splice(0).forEach((c) => c.destroy());
    const id = pfSel.value;
    const bm = bmSel.value;
    let holdings, perf, risk, bars;
    try {
      [holdings, perf, risk, bars] = await loading(body, 'holdings, performance and risk', () => Promise.all([
        api('GET', `/v1/portfolios/${id}/holdings`),
        api('GET', `/v1/portfolios/${id}/performance?daily=true`),
        api('GET', `/v1/portfolios/${id}/risk`),
        // the benchmark's closes (all of them: the valuation dates are not known yet)
        api('GET', `/v1/instruments/${encodeURIComponent(bm)}/bars?interval=1d&limit=10000`).catch((e) => e),
      ]));
    } catch {
      return;
    }
    const ccy = holdings.base_currency ?? perf.base_currency ?? '';
    if (!perf.daily?.length) {
      body.replaceChildren(card('Nothing to show yet', h('p', {}, 'This portfolio has no transactions. Import a CSV file above.')));
      return;
    }
    const dates = perf.daily.map((d) => d.date);
    const cumulative = perf.daily.map((d) => d.cumulative);
    Object.assign(state, { id, dates, cumulative, risk: risk.metrics, twr: perf.twr });

    // benchmark: its closes as of each valuation date, rebased to the first
    let bench = null;
    if (bars instanceof Error) {
      toast(`Benchmark ${bm}: ${bars.message}`);
    } else {
      // the benchmark's close as of each valuation date (the latest on or before it), rebased
      const items = bars.items;
      let j = -1;
      const asOf = dates.map((d) => {
        while (j + 1 < items.length && items[j + 1].ts.slice(0, 10) <= d) j++;
        return j >= 0 ? items[j].close : null;
      });
      const first = asOf.find((v) => v != null);
      bench = asOf.map((v) => (v == null ? null : v / first - 1));
    }

    const total = Number(holdings.total_base);
    const rows = holdings.holdings.map((x) => h('tr', {},
      h('td', {}, x.instrument), h('td', {}, x.quantity), h('td', {}, money(x.price)), h('td', {}, money(x.market_value_base)),
      h('td', {}, money(x.cost_base)), h('td', { class: Number(x.unrealised_base) >= 0 ? 'pos' : 'neg' }, money(x.unrealised_base)),
      h('td', { class: Number(x.realised_base) >= 0 ? 'pos' : 'neg' }, money(x.realised_base)), h('td', {}, pct(Number(x.market_value_base) / total, 1))));
    for (const c of holdings.cash) rows.push(h('tr', {}, h('td', {}, `Cash ${c.currency}`), h('td', {}, ''), h('td', {}, ''), h('td', {}, money(c.balance_base)), h('td', {}, ''), h('td', {}, ''), h('td', {}, ''), h('td', {}, pct(Number(c.balance_base) / total, 1))));
    const holdingsCard = card(`Holdings on ${holdings.date}`, h('div', { class: 'scroll' }, h('table', { 'data-testid': 'holdings' },
      h('thead', {}, h('tr', {}, ['Holding', 'Quantity', 'Price', 'Value', 'Cost', 'Unrealised P&L', 'Realised P&L', 'Weight'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), h('td'), h('td'), h('td', { 'data-testid': 'total' }, money(total, ccy)), h('td'), h('td'), h('td'), h('td'))))));

    const pl = h('dl', { class: 'metrics', 'data-testid': 'pnl' },
      h('dt', {}, 'End value'), h('dd', {}, money(perf.end_value, ccy)),
      h('dt', {}, 'Gain'), h('dd', { class: Number(perf.gain) >= 0 ? 'pos' : 'neg' }, money(perf.gain, ccy)),
      h('dt', {}, 'Time-weighted return'), h('dd', { 'data-key': 'twr', 'data-value': perf.twr }, pct(perf.twr)),
      h('dt', {}, '… annualised'), h('dd', {}, pct(perf.twr_annualised)),
      h('dt', {}, 'Money-weighted return (IRR, annual)'), h('dd', {}, pct(perf.mwr)),
      h('dt', {}, 'Return on investment'), h('dd', {}, pct(perf.roi)));

    const riskList = h('dl', { class: 'metrics', 'data-testid': 'risk' }, RISK.flatMap(([k, label, fmt]) => [
      h('dt', {}, label), h('dd', { 'data-key': k, 'data-value': String(risk.metrics[k]) }, fmt(risk.metrics[k]))]));
    const perfC = canvasBox(`Cumulative return of the portfolio against ${bm}`);
    const ddC = canvasBox('Drawdowns of the portfolio', 'chart small');
    const donutC = canvasBox('Allocation by holding', 'chart donut');
    body.replaceChildren(
      h('div', { class: 'grid' }, card('Profit and loss', pl), card(`Risk (${risk.observations} daily returns, ${risk.start} to ${risk.end})`, riskList)),
      card(`Performance against ${bm}`, perfC.box),
      h('div', { class: 'grid' }, card('Allocation', donutC.box), card('Drawdowns', ddC.box)),
      holdingsCard);

    const ticks = { maxTicksLimit: 8, autoSkip: true, maxRotation: 0 };
    charts.push(new Chart(perfC.canvas, {
      type: 'line',
      data: { labels: dates, datasets: [
        { label: 'Portfolio (TWR)', data: cumulative, borderColor: PALETTE[0], backgroundColor: PALETTE[0], borderWidth: 2, pointRadius: 0 },
        ...(bench ? [{ label: bm, data: bench, borderColor: PALETTE[1], backgroundColor: PALETTE[1], borderWidth: 2, borderDash: [6, 3], pointRadius: 0 }] : []),
      ] },
      options: { interaction: { mode: 'index', intersect: false }, scales: { x: { ticks }, y: { ticks: { callback: (v) => pct(v, 0) } } },
        plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${pct(c.parsed.y)}` } } } },
    }));
    charts.push(new Chart(ddC.canvas, {
      type: 'line',
      data: { labels: dates, datasets: [{ label: 'Drawdown', data: drawdowns(cumulative), borderColor: PALETTE[5], backgroundColor: 'rgba(213,94,0,.2)', fill: 'origin', pointRadius: 0, borderWidth: 1.5 }] },
      options: { scales: { x: { ticks }, y: { ticks: { callback: (v) => pct(v, 0) } } }, plugins: { legend: { display: false } } },
    }));
    const parts = [...holdings.holdings.map((x) => [x.instrument, Number(x.market_value_base)]), ...holdings.cash.map((c) => [`Cash ${c.currency}`, Number(c.balance_base)])].filter(([, v]) => v > 0);
    charts.push(new Chart(donutC.canvas, {
      type: 'doughnut',
      data: { labels: parts.map(([n]) => n), datasets: [{ data: parts.map(([, v]) => v), backgroundColor: parts.map((_, i) => PALETTE[i % PALETTE.length]), borderColor: '#fff', borderWidth: 2 }] },
      options: { cutout: '60%', plugins: { legend: { position: 'right' }, tooltip: { callbacks: { label: (c) => `${c.label}: ${money(c.parsed)} (${pct(c.parsed / total, 1)})` } } } },
    }));
    state.benchmark = bench;
    state.shown = true;
  }

  pfSel.addEventListener('change', show);
  bmSel.addEventListener('change', show);
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    importStatus.replaceChildren(h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), ` Importing ${f.name}…`));
    try {
      const r = await api('POST', `/v1/portfolios/${pfSel.value}/imports`, await f.text(), { contentType: 'text/csv' });
      importStatus.replaceChildren(h('p', {}, r.duplicate ? 'This file was imported before: nothing changed.' : `Imported ${r.created} transactions.`));
      await show();
    } catch (e) {
      importStatus.replaceChildren(errorBox(e));
    }
    file.value = '';
  });
  await show();
  return { dispose: () => charts.forEach((c) => c.destroy()) };
}
