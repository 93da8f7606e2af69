// alloc on the native addon: golden fixtures (matrices as { data, rows, cols } and as rows).
import * as sextant from '../index.mjs';
import { goldenSuite } from './suite.mjs';

goldenSuite('node', sextant, 'alloc');
