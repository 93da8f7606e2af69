// autoindex on the native addon: the hand-derived backtest, risk score, simulation, errors.
import * as sextant from '../index.mjs';

import { goldenSuite } from './suite.mjs';

goldenSuite('node', sextant, 'autoindex');
