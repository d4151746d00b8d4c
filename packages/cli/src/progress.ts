import type { ExperimentEvent } from '@siamese-lab/runner';
import { formatDuration, formatNumber } from './format.ts';

/**
 * Shows a sweep's progress on stderr: a live line on a terminal, a line every few seconds
 * otherwise (logs, CI), and one line per finished run either way.
 */
export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  const live = Boolean(stream.isTTY);
  let lastPlain = 0;
  let liveLineShown = false;
  const clearLive = () => {
    if (live && liveLineShown) {
      stream.write('\r\x1b[2K');
      liveLineShown = false;
    }
  };
  const line = (text: string) => {
    clearLive();
    stream.write(`${text}\n`);
  };
  return (event: ExperimentEvent): void => {
    switch (event.kind) {
      case 'plan':
        line(
          `${event.total} run(s) planned: ${event.toRun} to run, ${event.skipped} already finished${event.skipped ? ' (use --force to redo)' : ''}`,
        );
        break;
      case 'backend':
        line(`backend: ${event.backend.description}`);
        for (const warning of event.backend.warnings) line(`warning: ${warning}`);
        break;
      case 'run-start':
        line(`run ${event.position}/${event.toRun} [${event.run.label}] (id ${event.runId}, ${event.run.spec.training.steps} steps)`);
        break;
      case 'progress': {
        const { step, steps, loss, stepsPerSecond } = event.progress;
        const eta = (steps - step) / stepsPerSecond;
        const text = `  run ${event.position}/${event.toRun} step ${step}/${steps}  loss ${formatNumber(loss)}  ${stepsPerSecond.toFixed(1)} steps/s  eta ${formatDuration(eta)}`;
        if (live) {
          stream.write(`\r\x1b[2K${text}`);
          liveLineShown = true;
        } else if (Date.now() - lastPlain > 5000 || step === steps) {
          lastPlain = Date.now();
          stream.write(`${text}\n`);
        }
        break;
      }
      case 'run-end': {
        const metrics = event.metrics;
        const summary =
          event.status === 'failed'
            ? `failed: ${event.note ?? ''}`
            : `1-NN ${formatNumber(metrics.nn_accuracy)}  anisotropy ${formatNumber(metrics.anisotropy)}  loss ${formatNumber(metrics.final_loss)}`;
        line(`  -> ${event.status} in ${formatDuration(event.wallSeconds)}  ${summary}`);
        if ((event.status === 'nan' || event.status === 'pruned') && event.note) line(`     ${event.note}`);
        break;
      }
      case 'run-busy':
        line(`run [${event.run.label}] (id ${event.runId}) is being trained by another process: skipped`);
        break;
    }
  };
}
