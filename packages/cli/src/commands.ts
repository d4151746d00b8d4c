import { LabError } from '@siamese-lab/core';
import { writeExperimentReport, type RenderResult } from '@siamese-lab/report';
import { formatNumerics, numericsDifferences, parseNumerics, type BackendName } from '@siamese-lab/backend';
import type { RunStatus } from '@siamese-lab/run-record';
import { openRunStore, type RunRecord, type RunStore } from '@siamese-lab/store';
import { runAndReport } from '@siamese-lab/workflow';
import { csvField, formatDuration, formatNumber, formatTable } from './format.ts';
import type { Output } from './output.ts';
import { createProgressPrinter } from './progress.ts';
import { createParallelProgressPrinter } from './parallel-progress.ts';
import { runOnQueue, type QueueArguments } from './queue-commands.ts';

function reportWritten(result: RenderResult, io: Output): void {
  io.err(`report: ${result.htmlPath} (${(result.bytes / 1e6).toFixed(1)} MB, ${result.svgPaths.length} SVG charts beside it)`);
}

export async function runCommand(
  args: {
    file: string;
    db: string;
    backend?: BackendName;
    force: boolean;
    yes: boolean;
    report: boolean;
    jobs?: number;
    threads?: number;
    queue?: QueueArguments;
  },
  io: Output,
  stop: { requested: boolean },
): Promise<number> {
  const queue = args.queue;
  const { experiment, outcome, seconds, report } = await runAndReport(args.file, {
    db: args.db,
    backend: args.backend,
    force: args.force,
    yes: args.yes,
    report: args.report,
    jobs: args.jobs,
    threads: args.threads,
    onEvent: (args.jobs ?? 1) > 1 ? createParallelProgressPrinter() : createProgressPrinter(),
    shouldStop: () => stop.requested,
    execute: queue
      ? (plan, options) => {
          if (plan.search)
            throw new LabError('a search runs in this process or on --jobs N workers; lab worker --queue does not take its trials yet', {
              location: plan.filePath,
              field: 'search',
              hint: `run it with: pnpm run exp ${args.file} --jobs 2`,
            });
          return runOnQueue(
            plan,
            queue,
            { store: options.store, backend: args.backend, force: args.force, shouldStop: () => stop.requested },
            io,
          );
        }
      : undefined,
  });
  if (outcome.interrupted) {
    for (const stopped of outcome.interruptedRuns) {
      io.err(`interrupted: run ${stopped.runId} [${stopped.run.label}] stopped at step ${stopped.stepsDone} and is marked interrupted.`);
    }
    const where = args.queue ? ` --queue ${args.queue.address.display}` : args.jobs && args.jobs > 1 ? ` --jobs ${args.jobs}` : '';
    io.err(
      `Finished runs are kept. Resume with: pnpm run exp ${args.file}${args.db !== 'results/runs.sqlite' ? ` --db ${args.db}` : ''}${where}`,
    );
    return 130;
  }
  io.err(
    `${experiment.name}: ${outcome.completed} completed, ${experiment.search ? `${outcome.pruned} pruned, ` : ''}${outcome.nan} nan, ${outcome.failed} failed, ${outcome.skipped} already done${outcome.busy ? `, ${outcome.busy} busy in another process` : ''} (${formatDuration(seconds)})`,
  );
  if (report) reportWritten(report, io);
  return outcome.failed > 0 ? 1 : 0;
}

function runsOf(store: RunStore, experiment: string | undefined, status?: RunStatus): RunRecord[] {
  if (experiment !== undefined && !store.getExperiment(experiment)) {
    throw new LabError(`no experiment named \`${experiment}\``, { hint: 'list them with: pnpm lab ls' });
  }
  return store.listRuns({ experiment, status });
}

export function lsCommand(args: { db: string; experiment?: string; status?: RunStatus }, io: Output): number {
  const store = openRunStore(args.db, { readonly: true });
  try {
    store.snapshot(() => {
      if (args.experiment === undefined && args.status === undefined) {
        const experiments = store.listExperiments();
        if (experiments.length === 0) return io.out('no experiments yet: pnpm run exp experiments/quickstart.yaml');
        io.out(
          formatTable(
            ['experiment', 'runs', 'completed', 'nan', 'failed', 'other', 'updated'],
            experiments.map((experiment) => {
              const counts = experiment.runCounts;
              const total = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
              const other = total - (counts.completed ?? 0) - (counts.nan ?? 0) - (counts.failed ?? 0);
              return [experiment.name, total, counts.completed ?? 0, counts.nan ?? 0, counts.failed ?? 0, other, experiment.updatedAt];
            }),
          ),
        );
        return;
      }
      const runs = runsOf(store, args.experiment, args.status);
      io.out(
        formatTable(
          ['id', 'experiment', 'status', 'label', 'hash', 'backend', 'wall', 'nn_accuracy', 'anisotropy'],
          runs.map((run) => {
            const metrics = store.getFinalMetrics(run.id);
            return [
              run.id,
              run.experimentName,
              run.status,
              run.label,
              run.configHash,
              run.backend,
              run.wallSeconds === null ? null : formatDuration(run.wallSeconds),
              formatNumber(metrics.nn_accuracy),
              formatNumber(metrics.anisotropy),
            ];
          }),
        ),
      );
    });
  } finally {
    store.close();
  }
  return 0;
}

/** A run's numerics as one line; runs recorded before numerics were tracked say so. */
function numericsLine(run: RunRecord): string {
  const numerics = parseNumerics((run.provenance as { numerics?: unknown } | null)?.numerics);
  return numerics ? formatNumerics(numerics) : 'not recorded (a run from before numerics were tracked)';
}

/**
 * Runs of one configuration (same config hash) whose numerics differ: their metrics may differ by
 * rounding alone, which the reader should know before reading the metrics side by side.
 */
function numericsNotes(runs: readonly RunRecord[]): string[] {
  const notes: string[] = [];
  for (const [index, run] of runs.entries()) {
    for (const other of runs.slice(index + 1)) {
      if (other.configHash !== run.configHash) continue;
      const a = parseNumerics((run.provenance as { numerics?: unknown } | null)?.numerics);
      const b = parseNumerics((other.provenance as { numerics?: unknown } | null)?.numerics);
      if (!a || !b) {
        notes.push(
          `runs ${run.id} and ${other.id} have the same configuration; numerics not recorded for ${!a ? run.id : other.id}, so rounding differences cannot be ruled out`,
        );
        continue;
      }
      const differences = numericsDifferences(a, b);
      notes.push(
        differences.length
          ? `runs ${run.id} and ${other.id} have the same configuration but different numerics (${differences.join('; ')}): their metrics may differ by float rounding alone`
          : `runs ${run.id} and ${other.id} have the same configuration and identical numerics: their metrics should be bit-identical`,
      );
    }
  }
  return notes;
}

function requireRun(store: RunStore, id: number): RunRecord {
  const run = Number.isInteger(id) ? store.getRun(id) : undefined;
  if (!run) throw new LabError(`no run with id ${id}`, { hint: 'run ids are in the first column of: pnpm lab ls EXPERIMENT' });
  return run;
}

export function showCommand(args: { db: string; run: number }, io: Output): number {
  const store = openRunStore(args.db, { readonly: true });
  try {
    const run = requireRun(store, args.run);
    const metrics = store.getFinalMetrics(run.id);
    const steps = store.getStepMetrics(run.id);
    const lines = [
      `run ${run.id} of ${run.experimentName}: ${run.label}`,
      `status       ${run.status}${run.error ? ` (${run.error.split('\n')[0]})` : ''}`,
      `config hash  ${run.configHash}`,
      `backend      ${run.backend ?? '-'}`,
      `started      ${run.startedAt ?? '-'}   finished ${run.finishedAt ?? '-'}   wall ${run.wallSeconds === null ? '-' : formatDuration(run.wallSeconds)}`,
      `steps        ${run.stepsDone}   nan steps ${run.nanSteps}   first nan step ${run.firstNanStep ?? '-'}`,
    ];
    if (run.nanDetail) lines.push(`nan reason   ${(run.nanDetail as { reason?: string }).reason ?? JSON.stringify(run.nanDetail)}`);
    lines.push(
      '',
      'metrics',
      formatTable(
        ['metric', 'value'],
        Object.entries(metrics).map(([name, value]) => [name, formatNumber(value)]),
      ),
    );
    lines.push(
      '',
      'parameters',
      formatTable(
        ['parameter', 'value'],
        Object.entries(run.params).map(([key, value]) => [key, String(value)]),
      ),
    );
    if (steps.length) {
      const last = steps[steps.length - 1];
      lines.push('', `${steps.length} logged steps; last: step ${last.step} loss ${formatNumber(last.loss)}`);
    }
    // A search trial's rung history: its objective at each rung it reached.
    const rungs = store.getStepValues(run.id).filter((value) => value.name === 'rung_objective');
    if (rungs.length) lines.push(`rung history ${rungs.map((rung) => `step ${rung.step}: ${formatNumber(rung.value)}`).join(', ')}`);
    const provenance = run.provenance as {
      gitCommit?: string;
      gitDirty?: boolean;
      node?: string;
      tfjs?: string;
      cpu?: string;
      hostname?: string;
      backend?: string;
      data?: { sha256?: string; files?: number; bytes?: number; pixels?: string; decoder?: string; cache?: string };
    } | null;
    if (provenance) {
      lines.push(
        '',
        `provenance   git ${provenance.gitCommit ?? '-'}${provenance.gitDirty ? ' (dirty)' : ''}, node ${provenance.node}, tfjs ${provenance.tfjs}, ${provenance.cpu} on ${provenance.hostname}`,
      );
      // The backend as the run used it: on blas, the GEMM provider, its version, kernel and threads.
      if (provenance.backend) lines.push(`computed on  ${provenance.backend}`);
      const data = provenance.data;
      if (data?.sha256) {
        const decoded = data.pixels
          ? `; pixels ${data.pixels.slice(0, 16)} by ${data.decoder ?? '?'}, decode cache ${data.cache ?? '?'}`
          : '';
        lines.push(`data         ${data.sha256.slice(0, 16)} (${data.files} files, ${data.bytes} bytes${decoded})`);
      }
    }
    lines.push(`numerics     ${numericsLine(run)}`);
    io.out(lines.join('\n'));
  } finally {
    store.close();
  }
  return 0;
}

export function compareCommand(args: { db: string; runs: number[] }, io: Output): number {
  if (args.runs.length < 2) throw new LabError('compare needs at least two run ids', { hint: 'e.g. pnpm lab compare 3 4' });
  const store = openRunStore(args.db, { readonly: true });
  try {
    const runs = args.runs.map((id) => requireRun(store, id));
    const keys = [...new Set(runs.flatMap((run) => Object.keys(run.params)))].sort();
    const differing = keys.filter((key) => new Set(runs.map((run) => JSON.stringify(run.params[key] ?? null))).size > 1);
    const header = ['', ...runs.map((run) => `run ${run.id}`)];
    io.out(
      differing.length
        ? `parameters that differ\n${formatTable(
            ['parameter', ...header.slice(1)],
            differing.map((key) => [key, ...runs.map((run) => String(run.params[key] ?? '-'))]),
          )}`
        : 'the runs have identical parameters',
    );
    const metrics = runs.map((run) => store.getFinalMetrics(run.id));
    const names = [...new Set(metrics.flatMap((m) => Object.keys(m)))].sort();
    io.out(
      `\nmetrics\n${formatTable(
        ['metric', ...header.slice(1)],
        [
          ['status', ...runs.map((run) => run.status)],
          ['wall', ...runs.map((run) => (run.wallSeconds === null ? '-' : formatDuration(run.wallSeconds)))],
          ...names.map((name) => [name, ...metrics.map((m) => formatNumber(m[name]))]),
        ],
      )}`,
    );
    io.out(`\nnumerics\n${runs.map((run) => `run ${run.id}  ${numericsLine(run)}`).join('\n')}`);
    for (const note of numericsNotes(runs)) io.out(`note: ${note}`);
  } finally {
    store.close();
  }
  return 0;
}

/** The formats `lab export` writes. */
export const exportFormats = ['json', 'csv'] as const;

export function exportCommand(args: { db: string; experiment: string; format: (typeof exportFormats)[number] }, io: Output): number {
  const store = openRunStore(args.db, { readonly: true });
  try {
    const rows = store.snapshot(() =>
      runsOf(store, args.experiment).map((run) => ({
        experiment: run.experimentName,
        run_id: run.id,
        config_hash: run.configHash,
        label: run.label,
        status: run.status,
        backend: run.backend,
        params: run.params,
        metrics: store.getFinalMetrics(run.id),
        wall_seconds: run.wallSeconds,
        steps_done: run.stepsDone,
        first_nan_step: run.firstNanStep,
      })),
    );
    if (args.format === 'json') {
      io.out(JSON.stringify(rows, null, 2));
    } else {
      const paramKeys = [...new Set(rows.flatMap((row) => Object.keys(row.params)))].sort();
      const metricKeys = [...new Set(rows.flatMap((row) => Object.keys(row.metrics)))].sort();
      const header = [
        'experiment',
        'run_id',
        'config_hash',
        'status',
        'backend',
        'wall_seconds',
        ...paramKeys,
        ...metricKeys.map((key) => `metric.${key}`),
      ];
      const lines = rows.map((row) =>
        [
          row.experiment,
          row.run_id,
          row.config_hash,
          row.status,
          row.backend,
          row.wall_seconds,
          ...paramKeys.map((key) => row.params[key]),
          ...metricKeys.map((key) => row.metrics[key]),
        ]
          .map(csvField)
          .join(','),
      );
      io.out([header.map(csvField).join(','), ...lines].join('\n'));
    }
  } finally {
    store.close();
  }
  return 0;
}

export async function reportCommand(args: { db: string; experiment: string }, io: Output): Promise<number> {
  const store = openRunStore(args.db, { readonly: true });
  try {
    const result = await writeExperimentReport(store, args.experiment);
    reportWritten(result, io);
    io.out(result.htmlPath);
  } finally {
    store.close();
  }
  return 0;
}

export function rmCommand(args: { db: string; experiment?: string; run?: number }, io: Output): number {
  if ((args.experiment === undefined) === (args.run === undefined)) {
    throw new LabError('rm needs an experiment name or --run ID (one of them)', {
      hint: 'e.g. pnpm lab rm quickstart, or pnpm lab rm --run 12',
    });
  }
  const store = openRunStore(args.db);
  try {
    if (args.run !== undefined) {
      requireRun(store, args.run);
      store.deleteRun(args.run);
      io.err(`removed run ${args.run}`);
    } else {
      if (store.deleteExperiment(args.experiment!) === 0)
        throw new LabError(`no experiment named \`${args.experiment}\``, { hint: 'list them with: pnpm lab ls' });
      io.err(`removed experiment ${args.experiment} and its runs (its report folder, if any, is left in place)`);
    }
  } finally {
    store.close();
  }
  return 0;
}
