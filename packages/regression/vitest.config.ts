import { defineConfig } from 'vitest/config';

// The regression and claim tests train small real models (a few seconds each on the blas or cpu
// backend; several times that on a loaded machine, hence the generous timeouts).
export default defineConfig({ test: { testTimeout: 240_000, hookTimeout: 240_000 } });
