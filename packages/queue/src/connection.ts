import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import { LabError } from '@siamese-lab/core';

/** The queue every coordinator and worker shares (BullMQ keys `bull:siamese-lab-runs:*`). */
export const QUEUE_NAME = 'siamese-lab-runs';

export interface QueueAddress {
  /** The URL as given, to connect with. */
  url: string;
  /** The URL without its password, to print. */
  display: string;
  host: string;
  tls: boolean;
  hasPassword: boolean;
}

/** 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves the machine. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
}

/**
 * Checks a `--queue` URL: `redis://[user:password@]host:port[/db]` or `rediss://` (TLS). A Redis
 * that is not on this machine must have a password (anyone who can reach it can make a worker
 * train anything and can read every result) unless the user says `--insecure`.
 */
export function parseQueueAddress(url: string, options: { insecure?: boolean } = {}): QueueAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LabError(`--queue ${JSON.stringify(url)} is not a URL`, {
      field: '--queue',
      hint: 'write it as redis://HOST:PORT, redis://:PASSWORD@HOST:PORT or rediss://... for TLS',
    });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new LabError(`--queue must be a redis:// or rediss:// URL, not ${parsed.protocol}//`, {
      field: '--queue',
      hint: 'e.g. redis://127.0.0.1:6379',
    });
  }
  if (!parsed.hostname) throw new LabError('--queue names no host', { field: '--queue', hint: 'e.g. redis://127.0.0.1:6379' });
  const hasPassword = parsed.password !== '';
  if (!hasPassword && !isLoopback(parsed.hostname) && !options.insecure) {
    throw new LabError(
      `refusing Redis at ${parsed.hostname} without a password: anyone who reaches it could run jobs on the workers and read the results`,
      {
        field: '--queue',
        hint: 'set `requirepass` (or an ACL user) in redis.conf and put it in the URL: redis://:PASSWORD@HOST:PORT (rediss:// for TLS); or pass --insecure on a network you trust',
      },
    );
  }
  const display = new URL(url);
  if (display.password) display.password = '***';
  return { url, display: display.toString(), host: parsed.hostname, tls: parsed.protocol === 'rediss:', hasPassword };
}

/**
 * A Redis connection that waits out a Redis restart instead of failing: commands queue while
 * it reconnects (BullMQ requires `maxRetriesPerRequest: null` for its workers).
 */
export function connectRedis(address: QueueAddress): Redis {
  const redis = new Redis(address.url, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    ...(address.tls && { tls: {} }),
  });
  // Connection errors are retried by the strategy above; without a listener Node would print each one.
  redis.on('error', () => {});
  return redis;
}
