// Reader of the shared golden fixtures (tests/golden, written by scripts/golden/generate.py) and
// DESIGN.md's parity check, for any JS surface (Node native, WASM in Node, WASM in Chromium).
// Environment-neutral: the caller passes `read(relPath) -> Promise<ArrayBuffer>`, so the same
// module runs under node --test and inside the browser page.
import { camelCase, jsName } from '../surface.mjs';

/** Loads every case of the manifest: inputs as Float64Array, expected outputs typed. */
export async function loadCases(read) {
  const manifest = JSON.parse(new TextDecoder().decode(await read('manifest.json')));
  const cache = new Map();
  const file = async (rel, Ctor) => {
    const key = `${Ctor.name}:${rel}`;
    if (!cache.has(key)) {
      const buf = await read(rel);
      // copy into an aligned buffer; the fixtures are little-endian like every JS host we run
      cache.set(key, new Ctor(buf.slice(0)));
    }
    return cache.get(key);
  };
  const cases = [];
  for (const c of manifest.cases) {
    const inputs = [];
    for (const i of c.inputs) inputs.push({ name: i.name, shape: i.shape, data: await file(i.file, Float64Array) });
    const outputs = [];
    for (const o of c.outputs) {
      outputs.push({ name: o.name, dtype: o.dtype, data: await file(o.file, o.dtype === 'i32' ? Int32Array : Float64Array) });
    }
    const options = {};
    for (const [k, v] of Object.entries(c.params)) options[camelCase(k)] = v;
    cases.push({ id: c.id, module: c.module, function: c.function, inputs, outputs, options, tolerance: c.tolerance });
  }
  return cases;
}

/** Largest finite |input| of a case (the scale of the absolute tolerance). */
export function maxAbsInput(c) {
  let m = 0;
  for (const i of c.inputs) for (const v of i.data) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/** The function of a case on a surface, called with the case's inputs (matrices as
 * `{ data, rows, cols }`, or as an array of rows when `rowsForm`) and options. */
export function runCase(surface, c, { rowsForm = false } = {}) {
  const info = surface.registry.find((f) => f.module === c.module && f.name === c.function);
  if (!info) throw new Error(`${c.id}: ${c.module}.${c.function} is not declared`);
  const fn = surface[c.module][jsName(info)];
  if (typeof fn !== 'function') throw new Error(`${c.id}: ${jsName(info)} missing from ${c.module}`);
  const args = c.inputs.map((i) => {
    if (i.shape.length !== 2) return i.data;
    const [rows, cols] = i.shape;
    if (!rowsForm) return { data: i.data, rows, cols };
    return Array.from({ length: rows }, (_, r) => Array.from(i.data.subarray(r * cols, (r + 1) * cols)));
  });
  const out = fn(...args, c.options);
  // outputs in declared order, whatever their JS shape
  const list = (info.outputs.length === 1 ? [out] : info.outputs.map((o) => out[o.name]))
    // square (matrix) outputs are { data, shape }: compared by their row-major data
    .map((v) => (v && v.data instanceof Float64Array && Array.isArray(v.shape) ? v.data : v));
  return { info, list };
}

/** Compares one output with its reference; returns null or a description of the first miss. */
export function compare(id, name, got, want, rel, abs) {
  if (typeof got === 'number') got = [got];
  if (want instanceof Int32Array) {
    if (!(got instanceof Int32Array)) return `${id} ${name}: expected an Int32Array, got ${got?.constructor?.name}`;
    if (got.length !== want.length) return `${id} ${name}: length ${got.length} != ${want.length}`;
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return `${id} ${name}[${i}]: ${got[i]} != ${want[i]}`;
    return null;
  }
  if (got.length !== want.length) return `${id} ${name}: length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= rel * Math.abs(w) + abs;
    if (!ok) return `${id} ${name}[${i}]: got ${g}, reference ${w} (diff ${Math.abs(g - w)})`;
  }
  return null;
}

/** Runs a case and checks every output against the reference (DESIGN.md tolerance). Returns
 * the list of misses (empty when the case passes) and the outputs. */
export function checkCase(surface, c, opts) {
  const { info, list } = runCase(surface, c, opts);
  const abs = c.tolerance.abs_scale * maxAbsInput(c);
  const misses = [];
  if (list.length !== c.outputs.length) misses.push(`${c.id}: ${list.length} outputs, reference has ${c.outputs.length}`);
  c.outputs.forEach((want, k) => {
    const m = compare(c.id, want.name, list[k], want.data, c.tolerance.rel, abs);
    if (m) misses.push(m);
  });
  // output kinds follow the declaration: i32 series -> Int32Array, f64 -> Float64Array, scalar -> number
  info.outputs.forEach((o, k) => {
    const v = list[k];
    const ok = o.kind === 'scalar' ? typeof v === 'number' : o.dtype === 'i32' ? v instanceof Int32Array : v instanceof Float64Array;
    if (!ok) misses.push(`${c.id} ${o.name}: wrong JS type ${v?.constructor?.name ?? typeof v} for ${o.kind}/${o.dtype}`);
  });
  return { misses, list };
}

/** Two FNV-1a 32-bit lanes over the bytes of every output (tagged by type): equal digests
 * mean bit-identical results. */
export function digest(list) {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  const mix = (byte) => {
    a = Math.imul(a ^ byte, 0x01000193) >>> 0;
    b = Math.imul(b ^ byte, 0x5bd1e995) >>> 0;
    b ^= b >>> 15;
  };
  for (const v of list) {
    mix(typeof v === 'number' ? 1 : v instanceof Int32Array ? 2 : 3);
    const bytes =
      typeof v === 'number'
        ? new Uint8Array(new Float64Array([v]).buffer)
        : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    for (let i = 0; i < bytes.length; i++) mix(bytes[i]);
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** RFC 6901 JSON pointer lookup ('' is the whole document). */
function pointer(doc, ptr) {
  if (ptr === '') return doc;
  return ptr.split('/').slice(1).reduce((d, part) => (d == null ? undefined : d[part.replace(/~1/g, '/').replace(/~0/g, '~')]), doc);
}

/** One case of tests/golden/ledger/decls.json (records in, a document out; written by
 * scripts/golden/generate_ledger.py from hand derivations and scipy's XIRR roots): the
 * function's inputs by name, then either each `[pointer, expected]` check (strings exactly,
 * numbers within `tol`) or the expected error code. Returns the misses. */
export function checkLedgerCase(surface, c, tol) {
  const info = surface.registry.find((f) => f.module === c.module && f.name === c.function);
  if (!info) return [`${c.id}: ${c.module}.${c.function} is not declared`];
  const camel = (s) => s.replace(/_([a-z0-9])/g, (_, x) => x.toUpperCase());
  const fn = surface[c.module][camel(c.function)];
  const args = info.inputs.map((i) => c.inputs[i.name]);
  let out;
  try {
    out = fn(...args);
  } catch (e) {
    return c.error === e.code ? [] : [`${c.id}: threw ${e.code} ${e.message}`];
  }
  if (c.error) return [`${c.id}: expected error ${c.error}`];
  const misses = [];
  for (const [ptr, want] of c.checks) {
    const got = pointer(out, ptr);
    const ok = typeof want === 'number' ? Math.abs(got - want) <= tol : got === want;
    if (!ok) misses.push(`${c.id}: ${ptr} = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  return misses;
}
