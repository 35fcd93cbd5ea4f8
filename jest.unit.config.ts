/**
 * Tier 1: `*.spec.ts` next to the code; ports faked, no network. Two projects: the Node code, and
 * the dashboard's components (`apps/dashboard/**\/*.spec.ts(x)`) in jsdom with Testing Library.
 */
const preset = require('./jest.preset.js');
const dashboard = require('./apps/dashboard/jest.config.js');

module.exports = {
  projects: [
    {
      ...preset,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,tools,deploy}/**/*.spec.ts'],
      testPathIgnorePatterns: [...preset.testPathIgnorePatterns, '<rootDir>/apps/dashboard/'],
    },
    dashboard,
  ],
};
