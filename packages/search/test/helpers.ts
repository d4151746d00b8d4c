import { validateSpace, type SearchSettings } from '../src/index.ts';

/** A search block over `space`, minimising a loss, 20 trials. */
export function searchOver(space: Record<string, unknown>, extra: Record<string, unknown> = {}): SearchSettings {
  return validateSpace({ space, objective: { metric: 'final_loss', direction: 'minimize' }, budget: { trials: 20 }, ...extra });
}

/** The optimizer part of a space: momentum exists only for the momentum optimizer. */
export const optimizerSpace = {
  'optimizer.name': { kind: 'choice', values: ['sgd', 'momentum', 'adam'] },
  'optimizer.learning_rate': { kind: 'log_uniform', low: 1e-4, high: 0.1 },
  'optimizer.momentum': { kind: 'uniform', low: 0.5, high: 0.99, condition: { parameter: 'optimizer.name', in: ['momentum'] } },
  'model.embedding_dim': { kind: 'int', low: 2, high: 64, log: true },
  'training.layers': { kind: 'int', low: 1, high: 4 },
};
