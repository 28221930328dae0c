/** Every architecture through the shared conformance suite (see testing/model-suite.ts). */
import { after, before } from 'node:test';
import { Runtime } from '../runtime/runtime.js';
import { INIT_ARCHITECTURES } from './init-model.js';
import { runModelSuite } from './testing/model-suite.js';

let rt: Runtime;
before(() => (rt = new Runtime({ threads: 1 })));
after(() => rt.close());

for (const arch of INIT_ARCHITECTURES) runModelSuite(arch, () => rt);
