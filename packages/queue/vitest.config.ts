import { defineConfig } from 'vitest/config';

// These tests start redis-server and `lab` processes, and train small sweeps: seconds to minutes under load.
export default defineConfig({ test: { testTimeout: 300_000, hookTimeout: 60_000 } });
