import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { lab, tempFolder, tinyBase, writeExperiment } from './helpers.ts';

describe('lab --help', () => {
  it('lists every verb and exits 0', () => {
    const result = lab(['--help']);
    expect(result.status).toBe(0);
    for (const verb of ['run <file>', 'ls', 'show <run>', 'compare <targets..>', 'export <experiment>', 'report <experiment>', 'rm']) {
      expect(result.stdout).toContain(verb);
    }
  });

  it('rejects an unknown verb with a suggestion and a non-zero exit', () => {
    const result = lab(['rnu', 'x.yaml']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Did you mean run/i);
  });
});

describe('bad experiment files', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['malformed YAML', 'name: bad\nbase:\n  loss: { margin: 5\n', /bad\.yaml:\d+:\d+.*not valid YAML/],
    [
      'unknown optimizer',
      'name: bad\nbase:\n  optimizer: { name: adamw }\n',
      /bad\.yaml:3:\d+, field `base\.optimizer\.name`.*`adamw` is not allowed/,
    ],
    [
      'negative margin',
      'name: bad\nbase:\n  loss:\n    margin: -5\n',
      /bad\.yaml:4:13, field `base\.loss\.margin`: margin must be greater than 0/,
    ],
  ];
  for (const [what, text, message] of cases) {
    it(`${what}: names the file, line and field, exits non-zero, writes nothing`, () => {
      const folder = tempFolder();
      const file = writeExperiment(folder, 'bad.yaml', text);
      const db = join(folder, 'runs.sqlite');
      const result = lab(['run', file, '--db', db]);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(db)).toBe(false);
    });
  }

  it('missing file: names it and exits non-zero without creating a database', () => {
    const folder = tempFolder();
    const db = join(folder, 'runs.sqlite');
    const result = lab(['run', join(folder, 'missing.yaml'), '--db', db]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/experiment file not found: .*missing\.yaml/);
    expect(existsSync(db)).toBe(false);
  });

  it('a database path that is not SQLite is refused before anything runs', () => {
    const folder = tempFolder();
    const file = writeExperiment(folder, 'ok.yaml', `name: ok\nbase:${tinyBase}`);
    const db = writeExperiment(folder, 'not-a-db.sqlite', 'hello');
    const result = lab(['run', file, '--db', db]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/is not an SQLite database/);
    expect(readFileSync(db, 'utf8')).toBe('hello');
  });
});

describe('a finished sweep', () => {
  const folder = tempFolder();
  const db = join(folder, 'runs.sqlite');
  const file = writeExperiment(
    folder,
    'sweep.yaml',
    `name: cli-sweep\nbase:${tinyBase}\nsweep:\n  grid:\n    optimizer.name: [sgd, adam]\n    loss.margin: [2, 5]\n`,
  );
  const run = lab(['run', file, '--db', db]);

  it('runs every configuration, records it, and writes the report beside the database', () => {
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/run 4\/4/);
    expect(run.stderr).toMatch(/steps\/s/);
    expect(run.stderr).toMatch(/cli-sweep: 4 completed, 0 nan, 0 failed/);
    expect(existsSync(join(folder, 'cli-sweep', 'report.html'))).toBe(true);
    const store = openRunStore(db, { readonly: true });
    expect(store.listRuns({ experiment: 'cli-sweep' }).map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    store.close();
  });

  it('export --format json lists every run with parameters, metrics and wall time', () => {
    const result = lab(['export', 'cli-sweep', '--db', db]);
    expect(result.status).toBe(0);
    const rows = JSON.parse(result.stdout) as Array<{
      experiment: string;
      metrics: Record<string, number | null>;
      wall_seconds: number;
      params: Record<string, unknown>;
    }>;
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['experiment', 'run_id', 'config_hash', 'status', 'params', 'metrics', 'wall_seconds']),
      );
      expect(row.experiment).toBe('cli-sweep');
      expect(typeof row.metrics.nn_accuracy).toBe('number');
      expect(row.wall_seconds).toBeGreaterThan(0);
    }
    expect(rows.map((row) => [row.params['optimizer.name'], row.params['loss.margin']])).toEqual([
      ['sgd', 2],
      ['sgd', 5],
      ['adam', 2],
      ['adam', 5],
    ]);
  });

  it('export --format csv has a header and one line per run', () => {
    const result = lab(['export', 'cli-sweep', '--format', 'csv', '--db', db]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^experiment,run_id,config_hash,status,backend,wall_seconds,/);
    expect(lines[0]).toContain('metric.nn_accuracy');
  });

  it('compare shows exactly the parameters that differ', () => {
    const ids = (JSON.parse(lab(['export', 'cli-sweep', '--db', db]).stdout) as Array<{ run_id: number }>).map((row) => row.run_id);
    const result = lab(['compare', String(ids[0]), String(ids[3]), '--db', db]);
    expect(result.status).toBe(0);
    const section = result.stdout.split('\nmetrics')[0];
    const parameterRows = section
      .split('\n')
      .slice(3)
      .map((line) => line.split(/\s+/)[0])
      .filter(Boolean);
    expect(parameterRows.sort()).toEqual(['loss.margin', 'optimizer.name']);
    expect(result.stdout).toContain('nn_accuracy');
  });

  it('ls, show and a rerun that skips finished runs', () => {
    expect(lab(['ls', '--db', db]).stdout).toMatch(/cli-sweep\s+4\s+4/);
    const ids = (JSON.parse(lab(['export', 'cli-sweep', '--db', db]).stdout) as Array<{ run_id: number }>).map((row) => row.run_id);
    const show = lab(['show', String(ids[0]), '--db', db]);
    expect(show.status).toBe(0);
    expect(show.stdout).toMatch(/status\s+completed/);
    expect(show.stdout).toMatch(/provenance\s+git/);
    expect(show.stdout).toMatch(/computed on\s+(cpu|wasm|blas|tensorflow): /);
    // The data the run read: MNIST's four IDX files, by their verified checksums.
    expect(show.stdout).toMatch(/^data\s+[0-9a-f]{16} \(4 files, 54950048 bytes\)$/m);
    const again = lab(['run', file, '--db', db, '--no-report']);
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/0 to run, 4 already finished/);
  });

  it('unknown run ids and experiments are clear errors', () => {
    expect(lab(['show', '999', '--db', db]).stderr).toMatch(/no run with id 999/);
    expect(lab(['export', 'nope', '--db', db]).status).toBe(2);
  });
});
