import { bestTrialFile } from '@siamese-lab/runner';
import { openRunStore } from '@siamese-lab/store';
import type { Output } from './output.ts';

/** The actions of `lab search`. */
export const searchActions = ['best'] as const;

/** `lab search best EXPERIMENT`: the best completed trial as an experiment file on stdout (its summary on stderr). */
export function searchBestCommand(args: { db: string; experiment: string; seeds: number }, io: Output): number {
  const store = openRunStore(args.db, { readonly: true });
  try {
    const { text, best } = store.snapshot(() => bestTrialFile(store, args.experiment, args.seeds));
    io.err(`best: ${best.run.label} (run ${best.run.id}), ${best.metric} ${best.value}`);
    io.out(text.trimEnd());
  } finally {
    store.close();
  }
  return 0;
}
