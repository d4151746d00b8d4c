import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempFolder } from './helpers.ts';

describe('lab serve', () => {
  it('refuses a missing or non-SQLite database with exit 2 and a one-paragraph error', () => {
    const folder = tempFolder();
    const missing = lab(['serve', '--db', join(folder, 'nothing.sqlite'), '--port', '0']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^error: .*no run database/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const text = join(folder, 'notes.sqlite');
    writeFileSync(text, 'some notes, not a database\n');
    const notSqlite = lab(['serve', '--db', text, '--port', '0']);
    expect(notSqlite.status).toBe(2);
    expect(notSqlite.stderr).toMatch(/not an SQLite database/);
    const badPort = lab(['serve', '--db', text, '--port', '70000']);
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toMatch(/--port must be a whole number from 0 to 65535/);
  });
});
