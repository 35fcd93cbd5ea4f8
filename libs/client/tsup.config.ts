import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'tsup';

/**
 * `@channels/client` for npm: ESM + CJS for Node ≥ 20 and bundlers (socket.io-client stays a
 * dependency), one .d.ts with the wire types of libs/contracts inlined, and browser builds with
 * socket.io-client bundled (an ES module and a `<script>` global, `Channels`).
 */
const root = join(__dirname, '..', '..');
const outDir = join(root, 'dist/libs/client');
const tsconfig = join(__dirname, 'tsconfig.lib.json');
const entry = { index: join(__dirname, 'src/index.ts') };

export default defineConfig([
  {
    entry,
    outDir,
    tsconfig,
    format: ['esm', 'cjs'],
    platform: 'neutral',
    target: 'es2022',
    dts: true,
    sourcemap: true,
    external: ['socket.io-client'],
    outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.mjs' }),
    onSuccess: async () => {
      copyFileSync(join(__dirname, 'package.json'), join(outDir, 'package.json'));
      copyFileSync(join(__dirname, 'README.md'), join(outDir, 'README.md'));
      copyFileSync(join(root, 'LICENSE'), join(outDir, 'LICENSE'));
    },
  },
  {
    entry: { 'channels-client': entry.index },
    outDir: join(outDir, 'browser'),
    tsconfig,
    format: ['esm', 'iife'],
    globalName: 'Channels',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    noExternal: ['socket.io-client'],
    outExtension: ({ format }) => ({ js: format === 'iife' ? '.global.js' : '.mjs' }),
  },
]);
