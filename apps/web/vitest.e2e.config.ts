import { defineConfig } from "vitest/config";

// Browser tests: Debian's chromium driven by playwright-core against the built app and a
// local node (scripts/lib/web-suite.sh sets SMARTCITY_NODE_URL and SMARTCITY_WEB_URL).
export default defineConfig({
  test: {
    include: ["e2e/**/*.test.ts"],
    environment: "node",
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
