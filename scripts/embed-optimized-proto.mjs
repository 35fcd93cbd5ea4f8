#!/usr/bin/env node
// Writes libs/contracts/src/lib/optimized/optimized-proto.ts from optimized.proto beside it: the
// .proto's text as a string constant, so the codec needs no file at run time (the app bundles and
// jest carry it as code). A unit test fails when the two differ; run this script after editing the
// .proto.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../libs/contracts/src/lib/optimized');
const proto = readFileSync(join(dir, 'optimized.proto'), 'utf8');
const literal = proto.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
const module =
  '// Generated from optimized.proto by `node scripts/embed-optimized-proto.mjs`: do not edit.\n' +
  '/** The text of optimized.proto, the schema of the `/optimized` wire. */\n' +
  `export const OPTIMIZED_PROTO = \`${literal}\`;\n`;

writeFileSync(join(dir, 'optimized-proto.ts'), module);
