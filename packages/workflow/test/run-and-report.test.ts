import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAndReport } from '../src/index.ts';

function experimentFile(text: string): { file: string; db: string } {
  const folder = mkdtempSync(join(tmpdir(), 'lab-workflow-'));
  const file = join(folder, 'tiny.yaml');
  writeFileSync(file, text);
  return { file, db: join(folder, 'runs.sqlite') };
}

const tiny = `name: tiny-workflow
base:
  backend: cpu
  data: { train_limit: 500 }
  model: { tower_a: { hidden: [16] } }
  sampler: { batch_size: 32 }
  training: { steps: 10, log_every: 5 }
  evaluation: { test_limit: 200, verification_pairs: 100, store_checkpoint: false }
`;

describe('runAndReport', () => {
  it('runs the experiment into the store and writes its report beside the database', async () => {
    const { file, db } = experimentFile(tiny);
    const result = await runAndReport(file, { db });
    expect(result.experiment.name).toBe('tiny-workflow');
    expect(result.outcome.completed).toBe(1);
    expect(result.report?.htmlPath).toBe(join(db, '..', 'tiny-workflow', 'report.html'));
    expect(existsSync(result.report!.htmlPath)).toBe(true);

    const again = await runAndReport(file, { db, report: false });
    expect(again.outcome.skipped).toBe(1);
    expect(again.report).toBeNull();
  }, 120_000);

  it('checks the file before the database exists: a bad file writes nothing', async () => {
    const { file, db } = experimentFile(tiny.replace('steps: 10', 'steps: -1'));
    await expect(runAndReport(file, { db })).rejects.toThrow(/steps/);
    expect(existsSync(db)).toBe(false);
  });
});
