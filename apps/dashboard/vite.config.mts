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
    // Each page is its own chunk (React.lazy, see app-sections.tsx): the first load carries the
    // shell and the sign-in page; the charts (recharts) come with the overview, the client SDK and
    // socket.io with a channel's page. React and its router and query libraries are one vendor
    // chunk that changes less often than the dashboard's code, so it stays cached across releases.
    // (A group takes the dependencies of what it matches too, which is why Mantine and the charts
    // are left to the automatic splitting: a group of either would pull Mantine's components into
    // the first load.)
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            {
              name: 'vendor-react',
              test: /node_modules[\\/](react|react-dom|scheduler|react-router|@tanstack)[\\/]/,
            },
            { name: 'vendor-realtime', test: /node_modules[\\/]socket\.io-client[\\/]|libs[\\/]client[\\/]/ },
          ],
        },
      },
    },
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
