// `pnpm bench`: the speed of the project's training step on every backend against PyTorch,
// measured in the same run. `--json` prints one JSON object as the last line.
import { parseArgs } from 'node:util';
import { DEFAULT_BENCH_OPTIONS, type BenchOptions } from './bench-section.ts';
import { benchSections } from './sections.ts';
import { BACKEND_NAMES, type ConcreteBackendName } from '@siamese-lab/backend';

const usage = `usage: pnpm bench [--json] [--steps N] [--wasm-steps N] [--cpu-steps N] [--peer-steps N]
                  [--backends blas,wasm,...] [--blas-threads N] [--memory-steps N] [--sweep-steps N] [--no-peer] [--profile] [--only SECTION]`;

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    console.error(`--${name} must be a whole number of at least 1, got "${value}"\n${usage}`);
    process.exit(2);
  }
  return parsed;
}

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    steps: { type: 'string' },
    'wasm-steps': { type: 'string' },
    'cpu-steps': { type: 'string' },
    'peer-steps': { type: 'string' },
    'memory-steps': { type: 'string' },
    'sweep-steps': { type: 'string' },
    backends: { type: 'string' },
    'blas-threads': { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const backends = values.backends?.split(',').map((name) => name.trim()) as ConcreteBackendName[] | undefined;
for (const name of backends ?? []) {
  if (!BACKEND_NAMES.includes(name) || name === ('auto' as string)) {
    console.error(`unknown backend "${name}" in --backends (use ${BACKEND_NAMES.filter((n) => n !== 'auto').join(', ')})`);
    process.exit(2);
  }
}
// Progress goes to stderr so that stdout holds only the table (or, with --json, ends with the JSON line).
const options: BenchOptions = {
  ...DEFAULT_BENCH_OPTIONS,
  steps: positiveInteger(values.steps, 'steps', DEFAULT_BENCH_OPTIONS.steps),
  wasmSteps: positiveInteger(values['wasm-steps'], 'wasm-steps', DEFAULT_BENCH_OPTIONS.wasmSteps),
  cpuSteps: positiveInteger(values['cpu-steps'], 'cpu-steps', DEFAULT_BENCH_OPTIONS.cpuSteps),
  peerSteps: positiveInteger(values['peer-steps'], 'peer-steps', DEFAULT_BENCH_OPTIONS.peerSteps),
  memorySteps: values['memory-steps'] === undefined ? undefined : positiveInteger(values['memory-steps'], 'memory-steps', 2000),
  sweepSteps: values['sweep-steps'] === undefined ? undefined : positiveInteger(values['sweep-steps'], 'sweep-steps', 300),
  blasThreads: values['blas-threads'] === undefined ? undefined : positiveInteger(values['blas-threads'], 'blas-threads', 1),
  backends,
  peer: !values['no-peer'],
  profile: values.profile,
  log: (line) => console.error(`bench: ${line}`),
};

const sections = benchSections.filter((section) => values.only === undefined || section.name === values.only);
if (sections.length === 0) {
  console.error(`no bench section named "${values.only}" (sections: ${benchSections.map((s) => s.name).join(', ')})`);
  process.exit(2);
}
const json: Record<string, unknown> = {};
for (const section of sections) {
  const report = await section.run(options);
  console.log(report.lines.join('\n'));
  console.log('');
  Object.assign(json, report.json);
}
if (values.json) console.log(JSON.stringify(json));
