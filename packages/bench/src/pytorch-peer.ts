import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The PyTorch peer script shared beside the repository (override: SIAMESE_LAB_TORCH_PEER). */
export function torchPeerScript(): string {
  return process.env.SIAMESE_LAB_TORCH_PEER ?? fileURLToPath(new URL('../../../../shared/bench/torch_peer.py', import.meta.url));
}

export const PEER_PYTHON = process.env.SIAMESE_LAB_PYTHON ?? '/usr/bin/python3';

export interface PeerResult {
  /** SGD's best (the seed's optimizer). */
  best_steps_per_s: number;
  /** Best per optimizer, with `--optimizer all`: { sgd, adam }. */
  best_by_optimizer?: Record<string, number>;
  version?: string;
  runs?: Array<{ variant: string; optimizer?: string; threads: number; steps: number; steps_per_s: number }>;
}

/** Runs the PyTorch peer (SGD and Adam); `skipped` says why when it cannot run (no script, no torch). */
export function runPytorchPeer(steps: number): { result?: PeerResult; skipped?: string } {
  const script = torchPeerScript();
  if (!existsSync(script)) return { skipped: `PyTorch peer script not found at ${script}` };
  const probe = spawnSync(PEER_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: `${PEER_PYTHON} cannot import torch (apt-get install python3-torch)` };
  const run = spawnSync(PEER_PYTHON, [script, '--steps', String(steps), '--optimizer', 'all', '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const lastLine = (run.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(lastLine) as PeerResult;
    if (run.status === 0 && typeof parsed.best_steps_per_s === 'number') return { result: parsed };
  } catch {
    // fall through: report the failure below
  }
  return { skipped: `PyTorch peer failed (exit ${run.status}): ${(run.stderr ?? '').trim().split('\n').pop() ?? ''}` };
}
