import { defineConfig } from 'vitest/config';

// The regression and claim tests train small real models (a few seconds each on the cpu backend).
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
