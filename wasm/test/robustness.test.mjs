// Hostile inputs against the WASM build in Node: results or SextantErrors, never a trap.
import { robustnessSuite } from '../../node/test/suite.mjs';
import * as wasm from '../node.mjs';

robustnessSuite('wasm-node', wasm);
