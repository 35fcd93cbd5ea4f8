/** Tier 1: `*.spec.ts` next to the code; ports faked, no network. */
const preset = require('./jest.preset.js');
module.exports = {
  ...preset,
  displayName: 'unit',
  testMatch: ['<rootDir>/{apps,libs,tools,deploy}/**/*.spec.ts'],
};
