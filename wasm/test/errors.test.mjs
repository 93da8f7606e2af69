// Errors from the WASM build in Node: SextantError with a stable code and the parameter at fault.
import * as wasm from '../node.mjs';
import { errorSuite } from '../../node/test/suite.mjs';

errorSuite('wasm-node', wasm);
