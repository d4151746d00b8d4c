import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { mayClaim, ownerId, ownerIsDead } from '../src/leases.ts';

const me = ownerId();
const liveOther = `${hostname()}:${process.ppid}:x`; // this test's parent process: alive
const later = () => Date.now() + 60_000;
const earlier = () => Date.now() - 1;

describe('leases', () => {
  it('name the host and this process', () => {
    expect(me.split(':').slice(0, 2)).toEqual([hostname(), String(process.pid)]);
    expect(ownerIsDead(me)).toBe(false);
  });

  it('count an owner as dead only when it is a process of this host that no longer exists', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    expect(ownerIsDead(`${hostname()}:${child.stdout.toString()}:x`)).toBe(true);
    expect(ownerIsDead(liveOther)).toBe(false);
    expect(ownerIsDead(`another-host-${hostname()}:1:x`)).toBe(false); // cannot tell: assume alive
    expect(ownerIsDead(null)).toBe(true);
  });

  it('let a run be claimed unless it is finished (without force) or another live owner holds an unexpired lease', () => {
    expect(mayClaim({ status: 'queued', lease_owner: null, lease_expires_at: null }, me, false)).toBe(true);
    expect(mayClaim({ status: 'completed', lease_owner: null, lease_expires_at: null }, me, false)).toBe(false);
    expect(mayClaim({ status: 'completed', lease_owner: null, lease_expires_at: null }, me, true)).toBe(true);
    expect(mayClaim({ status: 'running', lease_owner: liveOther, lease_expires_at: later() }, me, false)).toBe(false);
    expect(mayClaim({ status: 'running', lease_owner: liveOther, lease_expires_at: later() }, me, true)).toBe(false);
    expect(mayClaim({ status: 'running', lease_owner: liveOther, lease_expires_at: earlier() }, me, false)).toBe(true);
    expect(mayClaim({ status: 'running', lease_owner: me, lease_expires_at: later() }, me, false)).toBe(true);
  });
});
