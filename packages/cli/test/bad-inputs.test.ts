import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRunStore } from '@siamese-lab/store';
import { folderFingerprint, labInProcess, loadCorpus, prepareCase, type BadInputCase, type CaseFolder } from './corpus.ts';
import { lab, type CliResult } from './helpers.ts';

const corpus = loadCorpus();
const root = mkdtempSync(join(tmpdir(), 'lab-bad-inputs-'));
const cleanups: Array<() => void> = [];
afterAll(() => cleanups.forEach((cleanup) => cleanup()));

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What every bad input must give: one paragraph naming the file (and field), a hint, exit 2, no stack. */
function expectOneParagraphError(entry: BadInputCase, result: CliResult, prepared: CaseFolder): void {
  expect(result.status, result.stderr).toBe(2);
  const text = result.stderr.slice(result.stderr.lastIndexOf('error: '));
  expect(text, result.stderr).toMatch(/^error: /);
  expect(text).not.toMatch(/internal error|\n\s+at /);
  // One paragraph: the message line and an indented hint line, nothing else.
  const lines = text.trimEnd().split('\n');
  expect(lines.length, text).toBeLessThanOrEqual(2);
  expect(lines[1] ?? '', text).toMatch(/^ {2}hint: \S/);
  expect(text).toMatch(
    new RegExp(
      entry.expect.location ??
        escapeRegex(
          basename(prepared.file.includes('/dev/null') ? prepared.db : entry.args?.includes('${DB}') ? prepared.db : prepared.file),
        ),
    ),
  );
  if (entry.expect.field) expect(text).toContain(`field \`${entry.expect.field}\``);
  expect(text).toMatch(new RegExp(entry.expect.message));
}

/** Nothing partial: an input error leaves results/ exactly as it was; a disk error leaves a sound database and no report. */
function expectNothingPartial(entry: BadInputCase, prepared: CaseFolder, before: Record<string, string>): void {
  if (entry.setup !== 'full-disk') {
    expect(folderFingerprint(prepared.results)).toEqual(before);
    return;
  }
  const store = openRunStore(prepared.db, { readonly: true });
  try {
    expect(store.integrityCheck()).toBe('ok');
    for (const run of store.listRuns()) {
      if (run.status === 'completed') expect(Object.keys(store.getFinalMetrics(run.id)).length).toBeGreaterThan(0);
    }
  } finally {
    store.close();
  }
  expect(existsSync(join(prepared.results, 'tiny-valid', 'report.html'))).toBe(false);
  const leftovers = existsSync(join(prepared.results, 'tiny-valid'))
    ? readdirSync(join(prepared.results, 'tiny-valid')).filter((name) => name.includes('.tmp'))
    : [];
  expect(leftovers).toEqual([]);
}

async function check(entry: BadInputCase, run: (args: string[]) => Promise<CliResult> | CliResult, mode: string): Promise<void> {
  const folder = mkdtempSync(join(root, `${entry.id}-${mode}-`));
  const prepared = prepareCase(entry, folder);
  cleanups.push(prepared.cleanup);
  if (prepared.skipped) {
    console.warn(`bad input ${entry.id} skipped: ${prepared.skipped}`);
    return;
  }
  try {
    const before = folderFingerprint(prepared.results);
    const result = await run(prepared.args);
    // SHOW_ERRORS=1 prints each case's message, to read the corpus's errors as a user sees them.
    if (process.env.SHOW_ERRORS) console.log(`[${entry.id}] ${result.stderr.slice(result.stderr.lastIndexOf('error: '))}`);
    expectOneParagraphError(entry, result, prepared);
    expectNothingPartial(entry, prepared, before);
  } finally {
    prepared.cleanup();
  }
}

describe('the bad-input corpus (test/bad-inputs)', () => {
  it('has at least 40 cases, each with an existing or generated file', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    expect(new Set(corpus.map((entry) => entry.id)).size).toBe(corpus.length);
  });

  describe('in-process (the CLI verbs and their error reporting)', () => {
    for (const entry of corpus) {
      it(`${entry.id}${entry.note ? ` (${entry.note})` : ''}`, () => check(entry, labInProcess, 'in-process'));
    }
  });

  describe('through the real CLI', () => {
    for (const entry of corpus.filter((candidate) => candidate.cli)) {
      it(entry.id, () => check(entry, (args) => lab(args), 'cli'));
    }
  });
});
