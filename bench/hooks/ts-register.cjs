// Runs this folder's TypeScript directly, like the writer benchmark (same hook).
require('../writer/ts-register.cjs');
