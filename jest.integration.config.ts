/** Tier 2: `*.integration-spec.ts` against the real local PostgreSQL and Redis, isolated per run. */
const preset = require('./jest.preset.js');
module.exports = {
  ...preset,
  displayName: 'integration',
  testMatch: [
    '<rootDir>/{apps,libs,tools,deploy}/**/*.integration-spec.ts',
    '<rootDir>/test/integration/**/*.integration-spec.ts',
  ],
  globalSetup: '<rootDir>/test/setup/integration-global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/integration-global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 2,
};
