import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { LabError } from '@siamese-lab/core';
import { openRunStore, type RunStore } from '@siamese-lab/store';
import { createApp } from './app.ts';
import { LiveFeed } from './live.ts';

export interface ServeOptions {
  db: string;
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** How often the live feed checks the database for commits by other processes. */
  pollMilliseconds?: number;
}

export interface RunningServer {
  url: string;
  store: RunStore;
  feed: LiveFeed;
  close(): Promise<void>;
}

const uiDirectory = join(dirname(fileURLToPath(import.meta.url)), '../build/ui');

/** The bundled page script and style, built by `pnpm build` (esbuild). */
export function loadUiAssets(): { script: string; style: string } {
  const script = join(uiDirectory, 'app.js');
  const style = join(uiDirectory, 'app.css');
  if (!existsSync(script) || !existsSync(style)) {
    throw new LabError(`the web UI is not built (${script} is missing)`, {
      location: uiDirectory,
      hint: 'run `pnpm build` in the repository root once',
    });
  }
  return { script: readFileSync(script, 'utf8'), style: readFileSync(style, 'utf8') };
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Starts `lab serve`: opens the run database read-only (a sweep writing it is never blocked),
 * then listens on host:port. A missing or non-SQLite database is a LabError before anything listens.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const store = openRunStore(options.db, { readonly: true });
  let server: Server | undefined;
  try {
    const assets = loadUiAssets();
    const feed = new LiveFeed(store, options.pollMilliseconds ?? 250);
    const isLoopback = loopbackHosts.has(options.host);
    // Filled in once the port is known (it may be chosen by the system).
    const allowedHosts: string[] = [];
    const app = createApp({ store, feed, assets, allowedHosts: isLoopback ? allowedHosts : null });
    server = createAdaptorServer({ fetch: app.fetch }) as Server;
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(options.port, options.host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    const port = (listening.address() as AddressInfo).port;
    allowedHosts.push(`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`);
    const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
    return {
      url: `http://${shownHost}:${port}/`,
      store,
      feed,
      close: async () => {
        feed.close();
        listening.closeAllConnections();
        await new Promise<void>((resolve) => listening.close(() => resolve()));
        store.close();
      },
    };
  } catch (error) {
    server?.close();
    store.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new LabError(`cannot listen on ${options.host}:${options.port} (${code})`, {
        field: code === 'EADDRNOTAVAIL' ? '--host' : '--port',
        hint:
          code === 'EADDRINUSE'
            ? 'another program uses this port: pass --port with another number, or --port 0 for any free one'
            : 'choose another --host or --port',
        cause: error,
      });
    }
    throw error;
  }
}

/** Opens the URL in the desktop's browser, if there is one; failing to is not an error. */
export function openInBrowser(url: string): void {
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(command, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no browser opener on this machine: the URL is printed anyway
  }
}
