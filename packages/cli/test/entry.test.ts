import { describe, expect, it } from 'vitest';

describe('the cli package', () => {
  it('does nothing on import: no signal handler, no working-folder change, no exit code', async () => {
    const listeners = process.listenerCount('SIGINT');
    const folder = process.cwd();
    const cli = await import('../src/index.ts');
    expect(typeof cli.main).toBe('function');
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    expect(process.cwd()).toBe(folder);
    expect(process.exitCode).toBeUndefined();
  });

  it('runs a command line in-process through main, printing into the given output', async () => {
    const { main } = await import('../src/index.ts');
    const lines: string[] = [];
    const code = await main(['ls', '--db', '/nonexistent-folder/runs.sqlite'], {
      out: (text) => lines.push(text),
      err: (text) => lines.push(text),
    }).catch((error: unknown) => (error as Error).message);
    expect(code).toMatch(/no run database/);
  });
});
