// Hostile inputs against the native addon: results or SextantErrors, never a crash.
import * as sextant from '../index.mjs';
import { robustnessSuite } from './suite.mjs';

robustnessSuite('node', sextant);
