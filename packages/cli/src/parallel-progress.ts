import type { ExperimentEvent } from '@siamese-lab/runner';
import { formatDuration, formatNumber } from './format.ts';
import { createProgressPrinter } from './progress.ts';

/**
 * Progress of a sweep with several runs at once (`--jobs`, `--queue`): one line per active run,
 * redrawn in place on a terminal and printed every few seconds otherwise; plan, start and end
 * lines as for a one-at-a-time sweep.
 */
export function createParallelProgressPrinter(stream: NodeJS.WriteStream = process.stderr) {
  const live = Boolean(stream.isTTY);
  const single = createProgressPrinter(stream);
  const active = new Map<number, string>();
  let drawnLines = 0;
  let lastPlain = 0;
  const erase = () => {
    if (live && drawnLines > 0) stream.write(`\x1b[${drawnLines}A\r\x1b[J`);
    drawnLines = 0;
  };
  const draw = () => {
    if (live) {
      erase();
      for (const text of active.values()) stream.write(`${text}\n`);
      drawnLines = active.size;
    } else if (Date.now() - lastPlain > 5000) {
      lastPlain = Date.now();
      for (const text of active.values()) stream.write(`${text}\n`);
    }
  };
  return (event: ExperimentEvent): void => {
    if (event.kind === 'progress') {
      const { step, steps, loss, stepsPerSecond } = event.progress;
      const where = event.worker ? `  on ${event.worker}` : '';
      active.set(
        event.runId,
        `  run ${event.position}/${event.toRun} step ${step}/${steps}  loss ${formatNumber(loss)}  ${stepsPerSecond.toFixed(1)} steps/s  eta ${formatDuration((steps - step) / stepsPerSecond)}${where}`,
      );
      draw();
      return;
    }
    erase();
    if (event.kind === 'run-start')
      active.set(event.runId, `  run ${event.position}/${event.toRun} starting${event.worker ? ` on ${event.worker}` : ''}`);
    if (event.kind === 'run-end' || event.kind === 'run-busy') active.delete(event.runId);
    // Which run an end line belongs to is not obvious when several run at once.
    if (event.kind === 'run-end') stream.write(`run ${event.position}/${event.toRun} [${event.run.label}] (id ${event.runId}):\n`);
    single(event);
    if (live) draw();
  };
}
