// Errors from the native addon: SextantError with a stable code and the parameter at fault.
import * as sextant from '../index.mjs';
import { errorSuite } from './suite.mjs';

errorSuite('node', sextant);
