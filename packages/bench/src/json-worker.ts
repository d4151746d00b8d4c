import { spawn } from 'node:child_process';

/**
 * Runs a bench worker script in its own Node process (so its peak RSS is its own) and parses
 * the JSON object it prints on its last stdout line.
 */
export function runJsonWorker<T>(workerPath: string, args: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, workerPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        if (code === 0) return resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as T);
      } catch {
        // reported below
      }
      reject(new Error(`${what} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}
