import * as sextant from '../index.mjs';

import { goldenSuite } from './suite.mjs';

goldenSuite('node', sextant, 'ledger');
