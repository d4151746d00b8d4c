// Child-process entry of the training-step section: one backend per process, so that the
// peak RSS reported is this backend's alone. Prints one JSON line (StepTiming + peak_rss_mb).
import { SEED_STEP, timeTrainingStep } from './training-step.ts';
import type { BackendName } from '@siamese-lab/backend';

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const backend = (argument('backend') ?? 'auto') as BackendName;
const timing = await timeTrainingStep(backend, {
  steps: Number(argument('steps') ?? 50),
  warmup: Number(argument('warmup') ?? 5),
  profile: process.argv.includes('--profile'),
  blasThreads: argument('blas-threads') === undefined ? undefined : Number(argument('blas-threads')),
  shape: { ...SEED_STEP, optimizer: argument('optimizer') === 'adam' ? 'adam' : 'sgd' },
});
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ ...timing, peak_rss_mb: peakRssMb })}\n`);
