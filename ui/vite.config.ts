/** Builds the web UI into ui/dist, which `osprey serve` serves. Run from the repository root: `npm run build`. */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const uiRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: uiRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Mantine and React make one ~570 kB (170 kB gzipped) bundle; fine for a school intranet app.
    chunkSizeWarningLimit: 800,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` for UI work against a running Osprey (OSPREY_HTTP_PORT=18181, or set UI_API_URL).
    proxy: { '/api': process.env.UI_API_URL ?? 'http://localhost:18181' },
  },
});
