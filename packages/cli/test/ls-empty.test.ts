import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labInProcess } from './corpus.ts';
import { tempFolder } from './helpers.ts';

describe('lab ls on a database with nothing in it yet', () => {
  it('says there are no experiments yet (an empty file, as a sweep starting to create it leaves)', async () => {
    const db = join(tempFolder(), 'runs.sqlite');
    writeFileSync(db, '');
    const result = await labInProcess(['ls', '--db', db]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^no experiments yet/);
  });
});
