import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web console, built into dist/web, which `slipway server` serves at `/`.
 * JSX goes through esbuild's automatic runtime: no React plugin is needed for a production build.
 * `npm run dev:web` proxies /api to a Slipway on :8080 (SLIPWAY_URL to change it).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/api': { target: process.env.SLIPWAY_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
