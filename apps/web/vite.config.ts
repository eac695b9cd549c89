import { defineConfig } from "vite";

// The app is static: scripts/web.sh copies the deployment manifest and the contracts'
// metadata into public/chain/ and serves the build.
export default defineConfig({
  base: "./",
  build: { target: "es2022", chunkSizeWarningLimit: 2048 },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
