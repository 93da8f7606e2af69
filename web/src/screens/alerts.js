// Alerts: the user's alerts (GET /v1/alerts) and their fired events (GET /v1/alerts/events),
// a form to create one (the indicator and its parameters come from the core's declarations,
// the same registry as the market screen's picker, limited to what has a streaming form), and
// delete. New events pushed over the WebSocket (web/src/live.js) are added at the top as they
// arrive, without a reload.
import { api } from '../api.js';
import * as live from '../live.js';
import { card, errorBox, field, h, loading } from '../ui.js';
import { barIndicators, load } from '../wasm.js';

export const title = 'Alerts';

const OPS = [
  ['crosses_above', 'crosses above'],
  ['crosses_below', 'crosses below'],
  ['crosses', 'crosses (either way)'],
  ['enters_band', 'enters the band'],
  ['leaves_band', 'leaves the band'],
];
const OP_WORDS = Object.fromEntries(OPS);
const BAND_OPS = new Set(['enters_band', 'leaves_band']);
const HIDDEN_PARAMS = new Set(['nan_policy', 'unstable_period']);
const FIELD_WORDS = {
  symbol: 'Instrument', indicator: 'Indicator', op: 'Condition', level: 'Level', band: 'Band',
  on: 'Check', interval: 'Interval', note: 'Note', body: 'The alert',
};

/** The API's validation errors in plain words: which field of the form, and what is wrong. */
export function explain(e) {
  const plain = (s) => String(s).replace(/`/g, '"');
  if (e?.code === 'INVALID_FIELD') {
    const reason = String(e.message).replace(/^field `[^`]*` is invalid: /, '');
    return `${FIELD_WORDS[e.parameter] ?? plain(e.parameter)}: ${plain(reason)}.`;
  }
  if (e?.status === 422 && e.parameter) return `Indicator setting "${e.parameter}": ${plain(e.message)}.`;
  if (e?.code === 'CONFLICT') return `${plain(e.message)} (delete some alerts first).`;
  return e?.message ?? String(e);
}

const describe = (a) => {
  const left = a.indicator
    ? `${a.indicator.name}(${Object.entries(a.indicator.params ?? {}).map(([k, v]) => `${k}=${v}`).join(', ')})${a.indicator.output ? `.${a.indicator.output}` : ''}`
    : 'price';
  const right = a.band ? `[${a.band[0]}, ${a.band[1]}]` : a.ref ? a.ref.name : a.level;
  return `${a.symbol} ${left} ${OP_WORDS[a.op] ?? a.op} ${right}`;
};
const when = (t) => String(t ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

export async function mount(view) {
  view.append(h('h1', {}, 'Alerts'));
  const status = h('div');
  const formBox = h('div');
  const alertsBox = h('div', { 'data-testid': 'alerts' });
  const eventsBox = h('div', { 'data-testid': 'alert-events', 'aria-live': 'polite' });
  view.append(status, card('New alert', formBox), card('Your alerts', alertsBox), card('Fired events (newest first; new ones arrive live)', eventsBox));
  const state = (window.__sextant.alerts = { alerts: [], events: [], live: 0, shown: false });

  const [instruments] = await loading(status, 'instruments and the indicator library', () =>
    Promise.all([api('GET', '/v1/instruments?limit=1000'), load('ta')]));
  const infos = barIndicators({ streaming: true });

  // --- the form ------------------------------------------------------------------------------
  const [symF, symSel] = field('Instrument', { tag: 'select', id: 'alert-symbol' });
  symSel.append(...instruments.items.map((i) => h('option', { value: i.symbol }, i.symbol)));
  if (instruments.items.some((i) => i.symbol === 'MSFT')) symSel.value = 'MSFT';
  const [indF, indSel] = field(`Watch (price or one of ${infos.length} streaming indicators)`, { tag: 'select', id: 'alert-indicator' });
  indSel.append(h('option', { value: '' }, 'Price (last trade)'));
  for (const g of [...new Set(infos.map((f) => f.group))]) {
    indSel.append(h('optgroup', { label: g }, infos.filter((f) => f.group === g).map((f) => h('option', { value: f.name }, `${f.name} – ${f.summary}`))));
  }
  const paramsBox = h('div', { class: 'row', 'aria-label': 'Indicator settings' });
  const [opF, opSel] = field('Condition', { tag: 'select', id: 'alert-op' });
  opSel.append(...OPS.map(([v, w]) => h('option', { value: v }, w)));
  const [levelF, levelIn] = field('Level', { type: 'number', step: 'any', id: 'alert-level', required: true });
  const [lowF, lowIn] = field('Band low', { type: 'number', step: 'any', id: 'alert-band-low' });
  const [highF, highIn] = field('Band high', { type: 'number', step: 'any', id: 'alert-band-high' });
  const [onF, onSel] = field('Check', { tag: 'select', id: 'alert-on' });
  onSel.append(h('option', { value: 'tick' }, 'on every quote'), h('option', { value: 'bar' }, 'when a candle closes'));
  const [noteF, noteIn] = field('Note (optional)', { id: 'alert-note', maxlength: '200' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create alert');
  const formError = h('div', { 'aria-live': 'assertive' });
  const form = h('form', { id: 'alert-form', novalidate: true },
    h('div', { class: 'row' }, symF, indF), paramsBox,
    h('div', { class: 'row' }, opF, levelF, lowF, highF, onF), noteF, submit, formError);
  formBox.append(form);

  let paramInputs = [];
  function showParams() {
    const info = infos.find((f) => f.name === indSel.value);
    paramInputs = [];
    paramsBox.replaceChildren();
    if (!info) return;
    if (info.outputs.length > 1) {
      const [f, sel] = field('Output', { tag: 'select', id: 'alert-output' });
      sel.append(...info.outputs.map((o) => h('option', { value: o.name }, o.name)));
      paramsBox.append(f);
    }
    for (const p of info.params.filter((x) => !HIDDEN_PARAMS.has(x.name))) {
      let f;
      let input;
      if (p.kind === 'choice') {
        [f, input] = field(p.name, { tag: 'select', id: `alert-p-${p.name}`, title: p.doc });
        input.append(...p.options.map((o) => h('option', { value: o }, o)));
        input.value = p.default;
      } else if (p.kind === 'bool') {
        [f, input] = field(p.name, { type: 'checkbox', id: `alert-p-${p.name}`, title: p.doc });
        input.checked = Boolean(p.default);
      } else {
        const int = p.kind === 'int' || p.kind === 'matype';
        [f, input] = field(p.name, { type: 'number', step: int ? '1' : 'any', id: `alert-p-${p.name}`, title: p.doc });
        input.value = p.default ?? '';
      }
      paramInputs.push([p, input]);
      paramsBox.append(f);
    }
  }
  function showOp() {
    const band = BAND_OPS.has(opSel.value);
    levelF.hidden = band;
    lowF.hidden = !band;
    highF.hidden = !band;
  }
  indSel.addEventListener('change', showParams);
  opSel.addEventListener('change', showOp);
  showParams();
  showOp();

  function spec() {
    const s = { symbol: symSel.value, op: opSel.value, on: onSel.value };
    if (indSel.value) {
      const params = {};
      for (const [p, input] of paramInputs) {
        if (p.kind === 'bool') params[p.name] = input.checked;
        else if (p.kind === 'choice') params[p.name] = input.value;
        else if (input.value !== '') params[p.name] = Number(input.value);
      }
      s.indicator = { name: indSel.value, params };
      const out = form.querySelector('#alert-output');
      if (out) s.indicator.output = out.value;
    }
    // an empty number goes as null: the server says in words what is missing
    const n = (input) => (input.value === '' ? null : Number(input.value));
    if (BAND_OPS.has(opSel.value)) s.band = [n(lowIn), n(highIn)];
    else s.level = n(levelIn);
    if (noteIn.value) s.note = noteIn.value;
    return s;
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    formError.replaceChildren();
    submit.disabled = true;
    try {
      await api('POST', '/v1/alerts', spec());
      await refresh();
    } catch (e) {
      formError.replaceChildren(h('div', { class: 'error', role: 'alert', 'data-testid': 'alert-form-error' }, h('strong', {}, 'The alert was not created. '), explain(e)));
    } finally {
      submit.disabled = false;
    }
  });

  // --- the lists -----------------------------------------------------------------------------
  let alerts = [];
  let events = [];
  const byId = () => Object.fromEntries(alerts.map((a) => [a.id, a]));

  function drawAlerts() {
    state.alerts = alerts.map((a) => a.id);
    if (!alerts.length) {
      alertsBox.replaceChildren(h('p', { class: 'muted' }, 'No alerts yet: create one above.'));
      return;
    }
    alertsBox.replaceChildren(h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Condition', 'Check', 'Fired', 'Last fired', 'Note', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, alerts.map((a) => h('tr', { 'data-alert': a.id },
        h('td', {}, describe(a)),
        h('td', {}, a.on === 'bar' ? `candle close (${a.interval})` : 'every quote'),
        h('td', { 'data-testid': 'fired-count' }, String(a.fired_count)),
        h('td', {}, a.last_fired_at ? when(a.last_fired_at) : '–'),
        h('td', {}, a.note ?? ''),
        h('td', {}, h('button', { type: 'button', 'aria-label': `Delete alert: ${describe(a)}`, onclick: () => remove(a) }, 'Delete'))))))));
  }

  function eventRow(e, fresh) {
    const a = byId()[e.alert_id];
    return h('tr', { 'data-event': e.id, class: fresh ? 'fresh' : undefined },
      h('td', {}, when(e.ts)),
      h('td', {}, e.symbol),
      h('td', {}, a ? describe(a) : '(deleted alert)'),
      h('td', {}, `went ${e.direction}`),
      h('td', {}, String(e.value)),
      h('td', {}, String(e.threshold)));
  }

  function drawEvents() {
    state.events = events.map(({ fresh, ...x }) => x);
    if (!events.length) {
      eventsBox.replaceChildren(h('p', { class: 'muted', 'data-testid': 'no-events' }, 'No alert has fired yet. Events appear here the moment they fire.'));
      return;
    }
    eventsBox.replaceChildren(h('div', { class: 'scroll' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Time', 'Instrument', 'Alert', 'Direction', 'Value', 'Threshold'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, [...events].reverse().map((e) => eventRow(e, e.fresh))))));
  }

  async function refresh() {
    const [a, ev] = await Promise.all([api('GET', '/v1/alerts?limit=1000'), api('GET', '/v1/alerts/events?limit=1000')]);
    alerts = a.items;
    const seen = new Set(ev.items.map((x) => x.id));
    // keep pushed events the page already has (and their highlight), then the stored ones
    events = [...ev.items.map((x) => ({ ...x, fresh: events.find((y) => y.id === x.id)?.fresh })), ...events.filter((x) => !seen.has(x.id))];
    drawAlerts();
    drawEvents();
  }

  async function remove(a) {
    try {
      await api('DELETE', `/v1/alerts/${a.id}`);
      await refresh();
    } catch (e) {
      alertsBox.prepend(errorBox(e));
    }
  }

  const offEvent = live.onEvent((e) => {
    if (e.type !== 'alert' || events.some((x) => x.id === e.id)) return;
    events.push({ ...e, fresh: true });
    state.live += 1;
    const a = byId()[e.alert_id];
    if (a) {
      a.fired_count += 1;
      a.last_fired_at = e.created_at;
      drawAlerts();
    }
    drawEvents();
  });
  const liveNote = h('p', { class: 'muted', 'data-testid': 'live-note' });
  const offState = live.onState((s, d) => {
    liveNote.textContent = s === 'open' ? 'Connected: new events appear below as they fire.' : `Live feed: ${s}${d ? ` (${d})` : ''}; the lists below are as last loaded.`;
  });
  status.replaceChildren(liveNote);

  await loading(eventsBox, 'alerts', refresh);
  state.shown = true;
  return { dispose: () => { offEvent(); offState(); } };
}
