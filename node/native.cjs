// Loads the napi-rs addon built from bindings/node (crate sextant-node). The file is named
// after the platform, as napi-rs packages do (sextant.<platform>-<arch>[-<libc>].node);
// SEXTANT_NATIVE overrides the path. Private: import the package (index.mjs) instead.
'use strict';
const path = require('node:path');

const { triple } = require('./platform.cjs');

const file = process.env.SEXTANT_NATIVE || path.join(__dirname, `sextant.${triple()}.node`);
try {
  module.exports = require(file);
} catch (e) {
  throw new Error(
    `sextant: cannot load the native addon ${file} (${e.message}). ` +
      'Build it with `npm run build` in node/ (needs Rust), or set SEXTANT_NATIVE.',
    { cause: e },
  );
}
