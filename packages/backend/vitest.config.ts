import { defineConfig } from 'vitest/config';

// End-to-end tests train and evaluate small models; on a busy 2-core machine they outlast vitest's 5 s
// default. This is a hang guard, not a speed check.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
