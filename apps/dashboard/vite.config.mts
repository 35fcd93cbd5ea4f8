// Builds the dashboard SPA into dist/apps/dashboard, served by admin-api under /dashboard/.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/dashboard/',
  plugins: [react()],
  // The client SDK from its source (its wire types come from libs/contracts, as types only).
  resolve: { alias: { '@channels/client': here('../../libs/client/src/index.ts') } },
  build: {
    outDir: here('../../dist/apps/dashboard'),
    emptyOutDir: true,
    sourcemap: true,
    // Mantine, recharts and React together are about 1 MB before compression.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `npx vite --config apps/dashboard/vite.config.mts` while `npm start` runs: /v1 and socket.io
    // go to the front door, so the page behaves as when admin-api serves it.
    proxy: {
      '/v1': 'http://localhost:8080',
      '/socket.io': { target: 'http://localhost:8080', ws: true },
    },
  },
});
