// Small DOM helpers shared by the screens: element builder, loading and error states,
// number formats, and the colour palette (Okabe-Ito: distinguishable with colour blindness).

export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

/** h('div', { class: 'x', onclick }, child, 'text', ...) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A region that shows a spinner while `task` runs, then its result or an error message. */
export async function loading(container, label, task) {
  container.replaceChildren(h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ` Loading ${label}…`));
  container.setAttribute('aria-busy', 'true');
  try {
    const out = await task();
    container.querySelector('.loading')?.remove();
    return out;
  } catch (e) {
    container.replaceChildren(errorBox(e));
    throw e;
  } finally {
    container.removeAttribute('aria-busy');
  }
}

export function errorBox(e) {
  const box = h('div', { class: 'error', role: 'alert' }, h('strong', {}, 'Something went wrong: '), e?.message ?? String(e));
  if (e?.parameter) box.append(h('div', { class: 'muted' }, `(field: ${e.parameter})`));
  if (Array.isArray(e?.rows)) {
    box.append(h('ul', {}, e.rows.slice(0, 20).map((r) => h('li', {}, `row ${r.row}, ${r.column}: ${r.message}`))));
  }
  return box;
}

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 4000);
}

const nf = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
export const money = (x, ccy = '') => (x === null || x === undefined || x === '' ? '–' : `${nf.format(Number(x))}${ccy ? ` ${ccy}` : ''}`);
export const pct = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(Number(x)) ? '–' : `${(Number(x) * 100).toFixed(digits)} %`);
export const num = (x, digits = 4) => (x === null || x === undefined || Number.isNaN(Number(x)) ? '–' : Number(x).toFixed(digits));

/** A labelled input: returns [wrapper, input]. */
export function field(label, attrs) {
  const id = `f-${Math.random().toString(36).slice(2, 9)}`;
  const input = h(attrs.tag ?? 'input', { id, ...attrs, tag: undefined });
  return [h('div', { class: 'field' }, h('label', { for: id }, label), input), input];
}

export function card(title, ...body) {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), ...body);
}
