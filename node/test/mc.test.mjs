// mc on the native addon: the cross-target expected values, shapes, splits and errors.
import * as sextant from '../index.mjs';
import { goldenSuite } from './suite.mjs';

goldenSuite('node', sextant, 'mc');
