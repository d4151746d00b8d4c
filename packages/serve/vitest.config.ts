import { defineConfig } from 'vitest/config';

// The browser test trains a tiny sweep in a child process: allow for a loaded machine.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } });
