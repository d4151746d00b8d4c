import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempFolder, tinyBase, writeExperiment } from './helpers.ts';

describe('numerics in lab show and lab compare', () => {
  const folder = tempFolder();
  const db = join(folder, 'runs.sqlite');
  // The same configuration (same config hash) in three experiments: twice on cpu, once on wasm.
  const ids: number[] = [];
  for (const [name, backend] of [
    ['num-a', 'cpu'],
    ['num-b', 'cpu'],
    ['num-c', 'wasm'],
  ]) {
    const file = writeExperiment(folder, `${name}.yaml`, `name: ${name}\nbase:${tinyBase}`);
    lab(['run', file, '--db', db, '--backend', backend, '--no-report']);
    const rows = JSON.parse(lab(['export', name, '--db', db]).stdout) as Array<{ run_id: number }>;
    ids.push(rows[0].run_id);
  }

  it("show prints the run's numerics: backend, GEMM provider and kernel, CPU flags", () => {
    const show = lab(['show', String(ids[2]), '--db', db]);
    expect(show.status).toBe(0);
    // The line names OPENBLAS_CORETYPE where the machine sets it (its formatting is tested with explicit
    // records in packages/backend/test/numerics.test.ts); this machine's environment must not decide the test.
    expect(show.stdout).toMatch(
      /numerics\s+wasm: @tensorflow\/tfjs-backend-wasm [\d.]+ \(wasm-simd128\)(, OPENBLAS_CORETYPE=[^;]+)?; .+ \[/,
    );
  });

  it("compare prints each run's numerics and says when runs of one configuration differ in them", () => {
    const same = lab(['compare', String(ids[0]), String(ids[1]), '--db', db]);
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(new RegExp(`numerics\\nrun ${ids[0]}  cpu: `));
    expect(same.stdout).toContain(
      `runs ${ids[0]} and ${ids[1]} have the same configuration and identical numerics: their metrics should be bit-identical`,
    );
    const other = lab(['compare', String(ids[0]), String(ids[2]), '--db', db]);
    expect(other.stdout).toMatch(
      new RegExp(
        `runs ${ids[0]} and ${ids[2]} have the same configuration but different numerics \\(backend: cpu -> wasm; gemm\\.provider: javascript -> xnnpack`,
      ),
    );
    expect(other.stdout).toContain('their metrics may differ by float rounding alone');
  });

  it("the parameters shown are those the run ran with: --backend replaces the file's backend in show, compare and export", () => {
    const show = lab(['show', String(ids[2]), '--db', db]).stdout;
    const parameters = show.slice(show.indexOf('\nparameters\n'));
    expect(parameters).toMatch(/\nbackend +wasm\n/);
    expect(parameters).not.toMatch(/\nbackend +cpu\n/);
    const onCpu = lab(['show', String(ids[0]), '--db', db]).stdout;
    expect(onCpu.slice(onCpu.indexOf('\nparameters\n'))).toMatch(/\nbackend +cpu\n/);
    // Same config hash, but the runs did not run on the same backend: the parameters say so.
    expect(lab(['compare', String(ids[0]), String(ids[2]), '--db', db]).stdout).toMatch(
      /parameters that differ\n.*\n.*\nbackend +cpu +wasm\n/,
    );
    const rows = JSON.parse(lab(['export', 'num-c', '--db', db]).stdout) as Array<{ backend: string; params: Record<string, unknown> }>;
    expect(rows[0]).toMatchObject({ backend: 'wasm', params: { backend: 'wasm' } });
    const csv = lab(['export', 'num-c', '--db', db, '--format', 'csv']).stdout.split('\n');
    const column = csv[0].split(',').indexOf('backend', csv[0].split(',').indexOf('backend') + 1);
    expect(column).toBeGreaterThan(0);
    expect(csv[1].split(',')[column]).toBe('wasm');
  });
});
