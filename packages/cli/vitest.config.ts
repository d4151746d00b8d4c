import { defineConfig } from 'vitest/config';

// These tests start the real CLI in child processes (about a second each, more under load).
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 120_000 } });
