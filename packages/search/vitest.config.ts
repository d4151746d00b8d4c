import { defineConfig } from 'vitest/config';

// The TPE test runs 10 seeded studies of 60 trials (under a second alone, more on a loaded machine).
export default defineConfig({ test: { testTimeout: 30_000 } });
