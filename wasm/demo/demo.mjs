// The demo: CSV in, RSI and BBANDS out, drawn on two canvases. State for tests and curious
// readers: document.body.dataset.state ('loading' | 'ready' | 'done' | 'error') and
// window.sextantDemo.result ({ close, rsi, upperband, middleband, lowerband }).
import init, { ta } from '../index.mjs';

const $ = (id) => document.getElementById(id);
const status = (text, isError = false) => {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
};
const demo = { result: null, error: null };
window.sextantDemo = demo;
document.body.dataset.state = 'loading';

/** The close column of a CSV text: header row, comma separated, optional quotes. */
export function parseCsv(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2) throw new Error('the CSV needs a header row and at least one data row');
  const cells = (l) => l.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const header = cells(lines[0]).map((h) => h.toLowerCase());
  const rows = lines.slice(1).map(cells);
  let col = header.indexOf('close');
  if (col < 0) col = header.indexOf('adj close');
  if (col < 0) {
    // the last column whose first data cell is a number
    for (let k = header.length - 1; k >= 0; k--) {
      if (rows[0][k] !== undefined && rows[0][k] !== '' && !Number.isNaN(Number(rows[0][k]))) {
        col = k;
        break;
      }
    }
  }
  if (col < 0) throw new Error('no close column and no numeric column found');
  // empty or non-numeric cells are missing values (NaN); the indicators skip them
  const close = Float64Array.from(rows, (r) => {
    const v = r[col];
    return v === undefined || v === '' ? NaN : Number(v);
  });
  return { close, column: header[col] };
}

function compute(close) {
  const rsi = ta.RSI(close, { timeperiod: Number($('rsi-period').value) });
  const dev = Number($('bb-dev').value);
  const bands = ta.BBANDS(close, { timeperiod: Number($('bb-period').value), nbdevup: dev, nbdevdn: dev });
  return { close, rsi, ...bands };
}

function draw(canvas, series, { min, max, guides = [] }) {
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  ctx.clearRect(0, 0, w, h);
  const n = series[0].data.length;
  const x = (i) => (n <= 1 ? w / 2 : (i / (n - 1)) * (w - 20) + 10);
  const y = (v) => h - 10 - ((v - min) / (max - min || 1)) * (h - 20);
  ctx.strokeStyle = '#ccc';
  ctx.setLineDash([4, 4]);
  for (const g of guides) {
    ctx.beginPath();
    ctx.moveTo(0, y(g));
    ctx.lineTo(w, y(g));
    ctx.stroke();
  }
  ctx.setLineDash([]);
  for (const { data, color } of series) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.25;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(data[i])) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(x(i), y(data[i]));
      else ctx.moveTo(x(i), y(data[i]));
      pen = true;
    }
    ctx.stroke();
  }
}

function render(r) {
  let min = Infinity;
  let max = -Infinity;
  for (const a of [r.close, r.upperband, r.lowerband]) {
    for (const v of a) {
      if (Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
  }
  draw($('price'), [
    { data: r.upperband, color: '#90caf9' },
    { data: r.lowerband, color: '#90caf9' },
    { data: r.middleband, color: '#1565c0' },
    { data: r.close, color: '#222' },
  ], { min, max });
  draw($('rsi'), [{ data: r.rsi, color: '#e65100' }], { min: 0, max: 100, guides: [30, 70] });
}

let current = null;
function run() {
  if (!current) return;
  try {
    const r = compute(current.close);
    demo.result = r;
    demo.error = null;
    render(r);
    const last = r.close.length - 1;
    status(`${r.close.length} rows, column "${current.column}". Last RSI ${r.rsi[last]?.toFixed(2)}, ` +
      `bands ${r.lowerband[last]?.toFixed(2)} / ${r.middleband[last]?.toFixed(2)} / ${r.upperband[last]?.toFixed(2)}`);
    document.body.dataset.state = 'done';
  } catch (e) {
    // SextantError: a stable code and the option at fault; the page keeps working
    demo.error = { name: e.name, code: e.code ?? null, param: e.param ?? null, message: e.message };
    status(e.code ? `${e.code} (${e.param ?? '-'}): ${e.message}` : String(e.message ?? e), true);
    document.body.dataset.state = 'error';
  }
}

$('file').addEventListener('change', async (ev) => {
  const f = ev.target.files?.[0];
  if (!f) return;
  try {
    current = parseCsv(await f.text());
  } catch (e) {
    current = null;
    demo.error = { name: e.name, code: null, param: null, message: e.message };
    status(`cannot read ${f.name}: ${e.message}`, true);
    document.body.dataset.state = 'error';
    return;
  }
  run();
});
for (const id of ['rsi-period', 'bb-period', 'bb-dev']) $(id).addEventListener('change', run);

init({ modules: ['ta'] }).then(
  () => {
    status('Ready: pick a CSV file.');
    document.body.dataset.state = 'ready';
  },
  (e) => {
    status(`cannot load WebAssembly: ${e.message}`, true);
    document.body.dataset.state = 'error';
  },
);
