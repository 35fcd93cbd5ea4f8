/** Tier 3: black-box over HTTP and socket.io against the real built processes (`*.e2e-spec.ts`). */
const preset = require('./jest.preset.js');
module.exports = {
  ...preset,
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
  testTimeout: 60_000,
  maxWorkers: 1,
};
