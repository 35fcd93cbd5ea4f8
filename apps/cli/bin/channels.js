#!/usr/bin/env node
// `npx channels …` inside the checkout (the root package.json's `bin`): runs the built CLI.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', '..', '..', 'dist', 'apps', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('channels: the CLI is not built yet; run `npm run build` (or `npm start`) first\n');
  process.exit(2);
}
require(main);
