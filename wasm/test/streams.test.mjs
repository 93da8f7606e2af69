// Streaming objects of the WASM build in Node: stream == batch, peek, save/restore, copy.
import { jsName } from '../../node/surface.mjs';
import { streamSuite, surfaceSuite } from '../../node/test/suite.mjs';
import * as wasm from '../node.mjs';

surfaceSuite('wasm-node', wasm, { jsName });
streamSuite('wasm-node', wasm);
