// Writes the GGUF test case (src/export/testing/gguf-case.ts) into a folder for gguf_reference.py.
import { writeGgufCase } from '../src/export/testing/gguf-case.js';

await writeGgufCase(process.argv[2] ?? '/tmp/tuna-gguf-case');
