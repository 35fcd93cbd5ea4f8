#!/usr/bin/env node
// `npm test`: every tier, in order, stopping at the first failing stage —
// format check, lint (zero warnings), typecheck, unit, integration (real Postgres + Redis,
// isolated per run), build, e2e (the real built processes, several gateways).
// `npm test -- --only unit,integration` runs a subset (`npm run lint` is `--only format,lint,typecheck`).
// Ends with one summary line when a test tier ran.
import { readFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildApps, ensureGenerated, ensureInstalled, ROOT, run, step } from './lib.mjs';

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(',')) : null;
const want = (stage) => !only || only.has(stage);
const bin = (name) => join(ROOT, 'node_modules/.bin', name);
const resultsDir = join(ROOT, 'tmp/test-results');
let passed = 0;
let failed = 0;

function jest(tier, config) {
  step(`${tier} tests`);
  const out = join(resultsDir, `${tier}.json`);
  try {
    run(bin('jest'), ['-c', config, '--json', `--outputFile=${out}`, '--passWithNoTests=false']);
  } finally {
    if (existsSync(out)) {
      const r = JSON.parse(readFileSync(out, 'utf8'));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
    }
  }
}

async function main() {
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });
  ensureInstalled();
  ensureGenerated();
  if (want('format')) {
    step('Format check (prettier)');
    run(bin('prettier'), ['--check', '.', '--log-level', 'warn']);
  }
  if (want('lint') || want('unit')) {
    // The module-boundary rule reads Nx's cached project graph; without one it silently skips.
    run(bin('nx'), ['show', 'projects'], { env: { ...process.env, NX_DAEMON: 'false' }, stdio: 'ignore' });
  }
  if (want('lint')) {
    step('Lint (eslint, zero warnings)');
    run(bin('eslint'), ['.', '--max-warnings', '0']);
  }
  if (want('typecheck')) {
    step('Typecheck (tsc strict)');
    run(bin('tsc'), ['-p', 'tsconfig.check.json', '--noEmit']);
  }
  if (want('unit')) jest('unit', 'jest.unit.config.ts');
  if (want('integration')) jest('integration', 'jest.integration.config.ts');
  if (want('e2e')) {
    buildApps();
    jest('e2e', 'jest.e2e.config.ts');
  }
}

const testTiers = ['unit', 'integration', 'e2e'].some(want);

main()
  .then(() => {
    if (testTiers) console.log(`\ntests: ${passed} passed, ${failed} failed`);
    else console.log('\nchecks passed');
    process.exit(failed > 0 ? 1 : 0);
  })
  .catch((e) => {
    console.error(`\n${e.message}`);
    console.log(`tests: ${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(e.exitCode ?? 1);
  });
