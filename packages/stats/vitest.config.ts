import { defineConfig } from 'vitest/config';

// The coverage test draws 200 x 2 x 2,000 bootstrap resamples: a second or two, more on a loaded machine.
export default defineConfig({ test: { testTimeout: 60_000 } });
