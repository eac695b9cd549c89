import { defineConfig } from "vitest/config";

// Unit tests: formatting, errors in words, the voucher payload and signature.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
