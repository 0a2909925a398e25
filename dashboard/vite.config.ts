import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dashboard/dist and served by the API process at /. In development, `npx vite dashboard`
// proxies the API to a running `npm start`.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: {
    proxy: { '/api': 'http://localhost:3000', '/auth': 'http://localhost:3000', '/ready': 'http://localhost:3000' },
  },
});
