// risk on the native addon: golden fixtures.
import * as sextant from '../index.mjs';
import { goldenSuite } from './suite.mjs';

goldenSuite('node', sextant, 'risk');
