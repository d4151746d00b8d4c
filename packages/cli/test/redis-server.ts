import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when this machine has redis-server (scripts/setup.sh installs it). */
export const haveRedis = spawnSync('redis-server', ['--version']).status === 0;

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  host: string;
  /** redis://[:password@]host:port */
  url: string;
  /** Stops it as an operator would (SIGTERM: a clean shutdown that writes the append-only file). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  start(): Promise<void>;
}

/**
 * A private redis-server for one test: its own free port and temporary folder, no RDB snapshots,
 * optionally an append-only file and a password, listening only on `host` (loopback by default).
 */
export async function startRedis(
  options: { appendOnly?: boolean; password?: string; host?: string; exec?: string[] } = {},
): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1';
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lab-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.appendOnly ? 'yes' : 'no',
    '--protected-mode',
    'no',
  ];
  if (options.password) args.push('--requirepass', options.password);
  let child: ChildProcess | undefined;
  const ping = () =>
    spawnSync(
      'redis-cli',
      ['-h', host, '-p', String(port), ...(options.password ? ['--no-auth-warning', '-a', options.password] : []), 'ping'],
      { encoding: 'utf8' },
    ).stdout.trim();
  const server: RedisServer = {
    port,
    host,
    url: `redis://${options.password ? `:${options.password}@` : ''}${host}:${port}`,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      for (let attempt = 0; attempt < 100 && ping() !== 'PONG'; attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
      if (ping() !== 'PONG') throw new Error(`redis-server did not start on ${host}:${port}`);
    },
    async stop() {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
  };
  await server.start();
  return server;
}
