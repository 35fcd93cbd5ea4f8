// The dashboard's component tests (jsdom + Testing Library), a project of jest.unit.config.ts:
// TSX through @swc/jest with React's automatic runtime, CSS imports stubbed.
const { join } = require('node:path');
const preset = require('../../jest.preset.js');

const root = join(__dirname, '../..');

module.exports = {
  ...preset,
  rootDir: root,
  displayName: 'dashboard',
  testEnvironment: '<rootDir>/apps/dashboard/src/test/jsdom-environment.js',
  testMatch: ['<rootDir>/apps/dashboard/src/**/*.spec.{ts,tsx}'],
  setupFilesAfterEnv: ['<rootDir>/apps/dashboard/src/test/setup.ts'],
  moduleFileExtensions: ['tsx', ...preset.moduleFileExtensions],
  transform: {
    '^.+\\.(t|j|mj)sx?$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', tsx: true },
          transform: { react: { runtime: 'automatic' } },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    ...preset.moduleNameMapper,
    '\\.css$': '<rootDir>/apps/dashboard/src/test/style-stub.js',
  },
  // jsdom resolves packages' "browser" exports (socket.io-client's ESM build): ask for CJS.
  testEnvironmentOptions: { customExportConditions: ['node', 'require', 'default'] },
};
