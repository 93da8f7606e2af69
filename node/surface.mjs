// The JS surface of Sextant, built from the core registry. ONE module, shared by the Node
// package (native backend, napi-rs) and the WASM package (wasm-bindgen backend; the build copies
// this file into wasm/pkg/). Nothing here is written per function: every function, option,
// output and streaming object comes from the declarations (`registryJson()`).
//
// A backend is an object with:
//   registryJson(): string                              FunctionInfo[] as JSON
//   call(module, name, inputs: Float64Array[], shapes: number[], paramsJson: string)
//        -> Array<Float64Array | Int32Array | number>    one entry per declared output
//   callText(module, name, inputsJson: string, paramsJson: string) -> string   functions with
//        text inputs (`sentiment`): inputs and outputs as JSON (records are objects)
//   NativeStream: class { constructor(module, name, paramsJson); static restore(module, name,
//        bytes); update/peek/replaceLast(bar: Float64Array) and value() -> a number (one
//        output) or an array of numbers (several); prime(columns: Float64Array[]); reset();
//        bars(); copy(); save(): Uint8Array; nInputs; nOutputs }
// The native layers throw Error objects with `code` and `param`; `toSextantError` turns them
// into `SextantError` so both backends throw the same class.

/** An error from Sextant: `code` is stable (e.g. OUT_OF_RANGE), `param` names the parameter or
 * input at fault (or is null). */
export class SextantError extends Error {
  constructor(message, code, param = null, options) {
    super(message, options);
    this.name = 'SextantError';
    this.code = code;
    this.param = param;
  }
}

const CODE_RE = /^[A-Z][A-Z_]+$/;

/** Converts a native error (an Error with a `code`) into a SextantError; others pass through. */
export function toSextantError(e) {
  if (e instanceof SextantError) return e;
  if (e !== null && typeof e === 'object' && typeof e.code === 'string' && CODE_RE.test(e.code)) {
    return new SextantError(e.message, e.code, e.param ?? null);
  }
  return e;
}

/** The core names parameters as declared (`risk_free`); JS users know them by their option
 * key (`riskFree`), so errors about a declared parameter say the option key. */
function renameParam(e, info) {
  if (e instanceof SextantError && e.param && info.params.some((p) => p.name === e.param)) {
    const key = camelCase(e.param);
    if (key !== e.param) {
      e.message = e.message.replaceAll(`\`${e.param}\``, `\`${key}\``);
      e.param = key;
    }
  }
  return e;
}

/** `risk_free` -> `riskFree`. */
export function camelCase(s) {
  return s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** The public JS name of a declared function: TA-Lib names stay as they are, others camelCase. */
export function jsName(info) {
  return info.module === 'ta' ? info.name : camelCase(info.name);
}

/** The public JS option key of a declared parameter. */
export function optionKey(param) {
  return camelCase(param.name);
}

function fail(message, code, param = null) {
  return new SextantError(message, code, param);
}

// ---- argument conversion ------------------------------------------------------------------

function isArrayLike(x) {
  return (
    x !== null &&
    typeof x === 'object' &&
    (ArrayBuffer.isView(x) || Array.isArray(x)) &&
    !(x instanceof DataView)
  );
}

/** A series as Float64Array: a Float64Array is passed as is (no copy on the native backend);
 * other typed arrays and arrays of numbers are copied; null/undefined entries become NaN. */
function toSeries(x, name) {
  if (x instanceof Float64Array) return x;
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    if (typeof x[0] === 'bigint') {
      throw fail(`input \`${name}\` must hold numbers, not bigints`, 'INVALID_INPUT', name);
    }
    return Float64Array.from(x);
  }
  if (Array.isArray(x)) {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (typeof v === 'number') out[i] = v;
      else if (v === null || v === undefined) out[i] = NaN;
      else {
        throw fail(
          `input \`${name}\`[${i}] is ${typeof v} ${JSON.stringify(v)}; expected a number`,
          'INVALID_INPUT',
          name,
        );
      }
    }
    return out;
  }
  throw fail(
    `input \`${name}\` must be a Float64Array or an array of numbers, got ${describe(x)}`,
    'INVALID_INPUT',
    name,
  );
}

/** A matrix as [Float64Array row-major, rows, cols]: either an array of rows or
 * `{ data, rows, cols }` with `data` row-major. */
function toMatrix(x, name) {
  if (x !== null && typeof x === 'object' && !isArrayLike(x) && 'data' in x) {
    const { rows, cols } = x;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw fail(`input \`${name}\`: rows and cols must be non-negative integers`, 'INVALID_INPUT', name);
    }
    return [toSeries(x.data, name), rows, cols];
  }
  if (Array.isArray(x)) {
    const rows = x.length;
    const cols = rows === 0 ? 0 : x[0]?.length;
    const data = new Float64Array(rows * (cols ?? 0));
    for (let r = 0; r < rows; r++) {
      const row = x[r];
      if (!isArrayLike(row) || row.length !== cols) {
        throw fail(
          `input \`${name}\`: row ${r} is not an array of ${cols} numbers (the matrix must be rectangular)`,
          'INVALID_INPUT',
          name,
        );
      }
      data.set(toSeries(row, name), r * cols);
    }
    return [data, rows, cols];
  }
  throw fail(
    `input \`${name}\` must be an array of rows or { data, rows, cols }, got ${describe(x)}`,
    'INVALID_INPUT',
    name,
  );
}

/** A text input: a string (lone surrogates become U+FFFD) or UTF-8 bytes (decoded lossily). */
function toText(x, name) {
  if (typeof x === 'string') return typeof x.toWellFormed === 'function' ? x.toWellFormed() : x;
  if (x instanceof Uint8Array) return new TextDecoder('utf-8', { fatal: false }).decode(x);
  throw fail(`input \`${name}\` must be a string, got ${describe(x)}`, 'INVALID_INPUT', name);
}

/** A text-list input: an array (or iterable) of strings. */
function toTextList(x, name) {
  if (typeof x === 'string' || x === null || x === undefined || typeof x[Symbol.iterator] !== 'function') {
    throw fail(`input \`${name}\` must be an array of strings, got ${describe(x)}`, 'INVALID_INPUT', name);
  }
  return Array.from(x, (t, i) => toText(t, `${name}[${i}]`));
}

function describe(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object') return x.constructor?.name ?? 'an object';
  return `${typeof x} ${String(x)}`;
}

function encodeNumber(v) {
  return Number.isFinite(v) ? v : { $f: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
}

/** Options object -> JSON keyed by declared names. Unknown keys are an error (with the list of
 * known ones); `undefined` means "use the default". */
function encodeOptions(info, keyMap, options, extraKeys = []) {
  const out = {};
  if (options === undefined || options === null) return '{}';
  if (typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw fail(
      `${jsName(info)}: options must be an object, got ${describe(options)}`,
      'INVALID_TYPE',
      'options',
    );
  }
  for (const [key, value] of Object.entries(options)) {
    if (extraKeys.includes(key)) continue;
    const param = keyMap.get(key);
    if (param === undefined) {
      const known = [...keyMap.keys(), ...extraKeys];
      throw fail(
        `${jsName(info)} has no option \`${key}\`; options: ${known.join(', ') || '(none)'}`,
        'UNKNOWN_PARAMETER',
        key,
      );
    }
    if (value === undefined) continue;
    // a JSON parameter (portfolio constraints): objects and arrays go as JSON text
    if (param.kind === 'json' && value !== null && typeof value === 'object') {
      out[param.name] = JSON.stringify(value);
      continue;
    }
    switch (typeof value) {
      case 'number':
        out[param.name] = encodeNumber(value);
        break;
      case 'bigint':
        out[param.name] = Number(value);
        break;
      case 'string':
      case 'boolean':
        out[param.name] = value;
        break;
      case 'object': // null, arrays, objects: the core reports the type error (or accepts null)
        out[param.name] = value === null ? null : Array.isArray(value) ? [] : { kind: 'object' };
        break;
      default:
        // functions, symbols: JSON would drop or mangle them
        throw fail(
          `option \`${key}\` of ${jsName(info)} expects ${expected(param)}, got ${typeof value}`,
          'INVALID_TYPE',
          key,
        );
    }
  }
  return JSON.stringify(out);
}

function expected(param) {
  switch (param.kind) {
    case 'int':
    case 'matype':
      return 'an integer';
    case 'choice':
      return `one of ${param.options.join(', ')}`;
    case 'optional_float':
      return 'a number or null';
    case 'bool':
      return 'a boolean';
    case 'json':
      return 'an object, an array, JSON text or null';
    default:
      return 'a number';
  }
}

// ---- outputs ------------------------------------------------------------------------------

/** The shape of a `paths` output (the core's FunctionDecl::output_shape): [paths], then
 * steps + 1 with full_paths, then the number of assets (the first series input's length, or
 * without series inputs the columns of the matrix input); of a `per_step` output
 * [steps + 1, length of the input it names]; of a `square` output [n, n], n the columns of
 * the matrix input; of a `grid` output [count parameter, columns of the matrix input]. */
function outputShape(info, o, params, inputs, shapes) {
  const get = (name) => {
    const p = info.params.find((q) => q.name === name);
    return p === undefined ? undefined : name in params ? params[name] : p.default;
  };
  if (o.kind === 'per_step') {
    return [get('steps') + 1, inputs[info.inputs.findIndex((i) => i.name === o.columns)].length];
  }
  if (o.kind === 'square') {
    // n x n, n the columns of the first matrix input
    const n = shapes[2 * info.inputs.findIndex((i) => i.kind === 'matrix') + 1];
    return [n, n];
  }
  if (o.kind === 'grid') {
    // one row per value of the count parameter, one column per column of the matrix input
    return [get(o.count_param), shapes[2 * info.inputs.findIndex((i) => i.kind === 'matrix') + 1]];
  }
  const shape = [get('paths')];
  if (get('full_paths') === true) shape.push(get('steps') + 1);
  const series = info.inputs.findIndex((i) => i.kind === 'series');
  const matrix = info.inputs.findIndex((i) => i.kind === 'matrix');
  if (series >= 0) shape.push(inputs[series].length);
  else if (matrix >= 0) shape.push(shapes[2 * matrix + 1]);
  return shape;
}

const SHAPED = new Set(['paths', 'per_step', 'square', 'grid']);

/** `paths`, `per_step`, `square` and `grid` outputs come back as `{ data, shape }` (data row-major);
 * the rest as they are. */
function withShapes(info, outs, json, inputs, shapes) {
  if (!info.outputs.some((o) => SHAPED.has(o.kind))) return outs;
  const params = JSON.parse(json);
  return outs.map((v, i) => {
    const o = info.outputs[i];
    return SHAPED.has(o.kind) ? { data: v, shape: outputShape(info, o, params, inputs, shapes) } : v;
  });
}

function shapeOutputs(info, outs) {
  if (info.outputs.length === 1) return outs[0];
  const obj = {};
  info.outputs.forEach((o, i) => {
    obj[o.name] = outs[i];
  });
  return obj;
}

function shapeStreamValue(info, values) {
  const obj = {};
  info.outputs.forEach((o, i) => {
    obj[o.name] = values[i];
  });
  return obj;
}

// ---- saved stream state -------------------------------------------------------------------
// save() -> 'SXS' 0x01, u32 LE header length, header JSON {module, name, options}, core bytes.

const MAGIC = [0x53, 0x58, 0x53, 0x01];

function packState(info, options, core) {
  const header = new TextEncoder().encode(
    JSON.stringify({ module: info.module, name: info.name, options }),
  );
  const out = new Uint8Array(8 + header.length + core.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  out.set(core, 8 + header.length);
  return out;
}

function unpackState(bytes) {
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array) || bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw fail('not a saved Sextant stream state (bad magic)', 'INVALID_STATE');
  }
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + len > bytes.length) throw fail('saved stream state is truncated', 'INVALID_STATE');
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  } catch {
    throw fail('saved stream state has a corrupt header', 'INVALID_STATE');
  }
  return { header, core: bytes.slice(8 + len) };
}

// ---- the surface --------------------------------------------------------------------------

/**
 * Builds `{ ta, risk, alloc, registry, SextantError }` over a backend.
 * @param {object} backend see the header of this file
 */
export function buildSurface(backend) {
  const registry = Object.freeze(JSON.parse(backend.registryJson()));
  const modules = {};
  const wrapWith = (convert, f) =>
    function (...args) {
      try {
        return f.apply(this, args);
      } catch (e) {
        throw convert(e);
      }
    };
  const wrap = (f) => wrapWith(toSextantError, f);

  for (const info of registry) {
    const ns = (modules[info.module] ??= {});
    const keyMap = new Map(info.params.map((p) => [optionKey(p), p]));
    const name = jsName(info);
    const nIn = info.inputs.length;
    const textFunction = info.inputs.some((i) => i.kind === 'text' || i.kind === 'text_list' || i.kind === 'json');

    const jsErr = (e) => (e instanceof SextantError ? e : renameParam(toSextantError(e), info));
    const fn = wrapWith(jsErr, function (...args) {
      if (args.length < nIn || args.length > nIn + 1) {
        throw fail(
          `${name} takes ${nIn} input(s) (${info.inputs.map((i) => i.name).join(', ')}) and an optional options object; got ${args.length} argument(s)`,
          'ARITY',
        );
      }
      if (textFunction) {
        const texts = info.inputs.map((spec, i) =>
          spec.kind === 'text' ? toText(args[i], spec.name)
            : spec.kind === 'text_list' ? toTextList(args[i], spec.name)
              // records go as JSON: plain objects and arrays, Dates as ISO text, undefined as null
              : spec.kind === 'json' ? (args[i] === undefined ? null : args[i])
              : Array.from(toSeries(args[i], spec.name), (v) => (Number.isFinite(v) ? v : null)),
        );
        const json = encodeOptions(info, keyMap, args[nIn]);
        const outs = JSON.parse(backend.callText(info.module, info.name, JSON.stringify(texts), json));
        return shapeOutputs(info, outs);
      }
      const [inputs, shapes, json] = prepare(args);
      const outs = backend.call(info.module, info.name, inputs, shapes, json);
      return shapeOutputs(info, withShapes(info, outs, json, inputs, shapes));
    });
    /** Inputs converted (matrices flattened with their shapes) and options as JSON. */
    function prepare(args) {
      const inputs = [];
      const shapes = [];
      info.inputs.forEach((spec, i) => {
        if (spec.kind === 'matrix') {
          const [data, rows, cols] = toMatrix(args[i], spec.name);
          inputs.push(data);
          shapes.push(rows, cols);
        } else {
          inputs.push(toSeries(args[i], spec.name));
          shapes.push(0, 0);
        }
      });
      return [inputs, shapes, encodeOptions(info, keyMap, args[nIn])];
    }
    Object.defineProperty(fn, 'name', { value: name });
    fn.info = info;
    ns[name] = fn;

    // simulations also come as `<name>Async`, a Promise: computed off the main thread on
    // Node (libuv's pool, `callAsync`); in the WASM build on the calling thread
    if (info.module === 'mc' && !textFunction) {
      const fnAsync = async function (...args) {
        try {
          if (args.length < nIn || args.length > nIn + 1) return fn(...args); // the arity error
          const [inputs, shapes, json] = prepare(args);
          const outs = backend.callAsync
            ? await backend.callAsync(info.module, info.name, inputs, shapes, json)
            : backend.call(info.module, info.name, inputs, shapes, json);
          return shapeOutputs(info, withShapes(info, outs, json, inputs, shapes));
        } catch (e) {
          throw jsErr(e);
        }
      };
      Object.defineProperty(fnAsync, 'name', { value: `${name}Async` });
      fnAsync.info = info;
      ns[`${name}Async`] = fnAsync;
    }

    if (info.streaming) {
      const make = wrapWith(jsErr, (options) => {
        const json = encodeOptions(info, keyMap, options, ['history']);
        const native = new backend.NativeStream(info.module, info.name, json);
        const s = new Stream(info, native, normalisedOptions(info, keyMap, options));
        if (options?.history !== undefined && options.history !== null) {
          s._prime(options.history);
        }
        return s;
      });
      make.restore = (bytes) => restore(bytes, info);
      Object.defineProperty(make, 'name', { value: name });
      (ns.stream ??= {})[name] = make;
    }
  }

  const restore = wrap((bytes, expectedInfo) => {
    const { header, core } = unpackState(bytes);
    const info = registry.find((f) => f.module === header.module && f.name === header.name);
    if (!info) throw fail(`saved state is for unknown function ${header.module}.${header.name}`, 'INVALID_STATE');
    if (expectedInfo && expectedInfo !== info) {
      throw fail(
        `saved state is for ${header.name}, not ${expectedInfo.name}`,
        'INVALID_STATE',
      );
    }
    const native = backend.NativeStream.restore(info.module, info.name, core);
    return new Stream(info, native, Object.freeze({ ...header.options }));
  });
  for (const ns of Object.values(modules)) {
    if (ns.stream) ns.stream.restore = (bytes) => restore(bytes);
  }

  /** One streaming state object (DESIGN.md "Streaming"). */
  class Stream {
    constructor(info, native, options) {
      this._info = info;
      this._native = native;
      this._bar = new Float64Array(info.inputs.length);
      this.options = options;
    }
    _fill(args) {
      const n = this._bar.length;
      if (args.length !== n) {
        throw fail(
          `${this._info.name} stream takes ${n} value(s) per bar (${this._info.inputs.map((i) => i.name).join(', ')}), got ${args.length}`,
          'ARITY',
        );
      }
      for (let i = 0; i < n; i++) {
        const v = args[i];
        if (typeof v === 'number') this._bar[i] = v;
        else if (v === null || v === undefined) this._bar[i] = NaN;
        else {
          const input = this._info.inputs[i].name;
          throw fail(`bar value \`${input}\` must be a number, got ${describe(v)}`, 'INVALID_INPUT', input);
        }
      }
      return this._bar;
    }
    _prime(history) {
      const ins = this._info.inputs;
      let cols;
      if (ins.length === 1 && isArrayLike(history) && !isArrayLike(history[0])) {
        cols = [toSeries(history, 'history')];
      } else if (Array.isArray(history)) {
        cols = history.map((c, i) => toSeries(c, ins[i]?.name ?? `history[${i}]`));
      } else if (history !== null && typeof history === 'object') {
        cols = ins.map((spec) => {
          if (!(spec.name in history)) {
            throw fail(`history lacks input \`${spec.name}\``, 'INVALID_INPUT', spec.name);
          }
          return toSeries(history[spec.name], spec.name);
        });
      } else {
        throw fail(`history must be a series, an array of series or an object of series`, 'INVALID_INPUT', 'history');
      }
      this._native.prime(cols);
    }
    /** Appends a bar; returns the new value (an object keyed by output name for several). */
    update(...bar) {
      try {
        return this._result(this._native.update(this._fill(bar)));
      } catch (e) {
        throw toSextantError(e);
      }
    }
    /** The value this bar would give; the state is untouched. */
    peek(...bar) {
      try {
        return this._result(this._native.peek(this._fill(bar)));
      } catch (e) {
        throw toSextantError(e);
      }
    }
    /** Replaces the last bar (the forming candle changed); returns the new value. */
    replaceLast(...bar) {
      try {
        return this._result(this._native.replaceLast(this._fill(bar)));
      } catch (e) {
        throw toSextantError(e);
      }
    }
    /** Back to the state before the first bar. */
    reset() {
      this._native.reset();
    }
    /** An independent copy. */
    copy() {
      return new Stream(this._info, this._native.copy(), this.options);
    }
    /** The value after the last bar (NaN before any bar). */
    get value() {
      return this._result(this._native.value());
    }
    _result(v) {
      return typeof v === 'number' ? v : shapeStreamValue(this._info, v);
    }
    /** Bars seen since construction or reset. */
    get bars() {
      return this._native.bars();
    }
    /** The full state as bytes; restore with `stream.restore(bytes)`. */
    save() {
      return packState(this._info, this.options, this._native.save());
    }
    /** Frees native memory now (WASM); optional, the garbage collector does it otherwise. */
    free() {
      this._native.free?.();
    }
    toString() {
      // the indicator's parameters always; the shared call options only when not at their default
      const shown = this._info.params.filter(
        (p) => !CALL_OPTIONS.includes(p.name) || this.options[optionKey(p)] !== p.default,
      );
      const ps = shown.map((p) => `${optionKey(p)}=${JSON.stringify(this.options[optionKey(p)])}`);
      return `${this._info.name}(${ps.join(', ')})`;
    }
  }

  return { ...modules, registry, SextantError };
}

/** The call options every indicator shares (declared like parameters in the registry). */
const CALL_OPTIONS = ['unstable_period', 'nan_policy'];

/** The options of a stream with defaults filled in (camelCase keys), for `toString` and save. */
function normalisedOptions(info, keyMap, options) {
  const out = {};
  for (const p of info.params) {
    const v = options?.[optionKey(p)];
    out[optionKey(p)] = v === undefined ? p.default : v;
  }
  return Object.freeze(out);
}
