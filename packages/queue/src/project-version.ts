import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../..', import.meta.url));

function git(args: string[]): string | null {
  try {
    return execFileSync('git', ['-C', projectRoot, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 << 20,
    });
  } catch {
    return null;
  }
}

let cached: string | undefined;

/**
 * The version of the code that trains: the git commit of the installed project, with a hash of
 * its uncommitted changes when there are some (two edited trees of one commit are different
 * code); the package version where there is no git. Workers compare it with the coordinator's.
 */
export function projectVersion(): string {
  if (cached === undefined) {
    const commit = git(['rev-parse', 'HEAD'])?.trim();
    if (commit) {
      const changes = git(['diff', 'HEAD', '--no-ext-diff', '--', '.']) ?? '';
      cached = changes ? `${commit}+changes.${createHash('sha256').update(changes).digest('hex').slice(0, 12)}` : commit;
    } else {
      const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
      cached = `package ${manifest.version}`;
    }
  }
  return cached;
}
