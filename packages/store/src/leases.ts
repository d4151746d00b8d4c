import { hostname } from 'node:os';
import { finishedStatuses } from '@siamese-lab/run-record';
import type { LeaseRow } from './rows.ts';

/**
 * Leases: a running run names its owner (`host:pid:random`) and an expiry time, renewed as it
 * trains. Another process may take the run over only when the lease expired or its owner is gone.
 */

/** A lease owner id: host, pid and a random suffix (a pid can be reused). */
export function ownerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/** True when the owner string names a process on this host that no longer exists. */
export function ownerIsDead(owner: string | null): boolean {
  if (!owner) return true;
  const [host, pidText] = owner.split(':');
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether `owner` may claim the run: it is not finished (unless `force`) and nobody alive holds an unexpired lease. */
export function mayClaim(run: LeaseRow, owner: string, force: boolean): boolean {
  if (!force && finishedStatuses.includes(run.status)) return false;
  if (run.status !== 'running' || run.lease_owner === owner) return true;
  const expired = (run.lease_expires_at ?? 0) < Date.now();
  return expired || ownerIsDead(run.lease_owner);
}
