// ta on the native addon: golden fixtures, streaming.
import * as sextant from '../index.mjs';
import { goldenSuite, streamSuite } from './suite.mjs';

goldenSuite('node', sextant, 'ta');
streamSuite('node', sextant);
