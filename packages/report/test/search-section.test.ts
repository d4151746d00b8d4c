import { describe, expect, it } from 'vitest';
import { optimisationHistory, parameterImportance, searchSectionHtml, type SearchReport } from '../src/search-section.ts';

const at = (minute: number) => `2025-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

/** Five trials: the objective rises with lr and does not depend on margin; trial 3 was pruned. */
const search: SearchReport = {
  metric: 'validation_map_at_r',
  direction: 'maximize',
  sampler: 'tpe',
  parameters: [
    { name: 'optimizer.learning_rate', kind: 'log_uniform' },
    { name: 'loss.margin', kind: 'uniform' },
    { name: 'optimizer.name', kind: 'choice', values: ['sgd', 'adam'] },
  ],
  trials: [
    {
      trial: 0,
      label: 'trial 0',
      status: 'completed',
      params: { 'optimizer.learning_rate': 0.001, 'loss.margin': 2, 'optimizer.name': 'sgd' },
      value: 0.2,
      steps: 90,
      finishedAt: at(1),
    },
    {
      trial: 1,
      label: 'trial 1',
      status: 'completed',
      params: { 'optimizer.learning_rate': 0.01, 'loss.margin': 1, 'optimizer.name': 'sgd' },
      value: 0.5,
      steps: 90,
      finishedAt: at(2),
    },
    {
      trial: 2,
      label: 'trial 2',
      status: 'completed',
      params: { 'optimizer.learning_rate': 0.003, 'loss.margin': 3, 'optimizer.name': 'adam' },
      value: 0.3,
      steps: 90,
      finishedAt: at(3),
    },
    {
      trial: 3,
      label: 'trial 3',
      status: 'pruned',
      params: { 'optimizer.learning_rate': 0.0001, 'loss.margin': 4, 'optimizer.name': 'adam' },
      value: 0.9,
      steps: 10,
      finishedAt: at(4),
    },
    {
      trial: 4,
      label: 'trial 4',
      status: 'completed',
      params: { 'optimizer.learning_rate': 0.1, 'loss.margin': 2.5, 'optimizer.name': 'adam' },
      value: 0.7,
      steps: 90,
      finishedAt: at(5),
    },
  ],
};

describe('the report of a search', () => {
  it('draws the best completed objective so far against the steps spent, pruned trials counting their steps', () => {
    expect(optimisationHistory(search).map((p) => [p.steps, p.best])).toEqual([
      [90, 0.2],
      [180, 0.5],
      [270, 0.5],
      [280, 0.5], // the pruned trial's 0.9 is at 10 steps, not comparable: not a best
      [370, 0.7],
    ]);
  });

  it('rates parameters by |Spearman ρ| (numbers) and the correlation ratio of ranks (choices), over completed trials', () => {
    const importance = Object.fromEntries(parameterImportance(search).map((row) => [row.name, row.importance]));
    // Completed: lr 0.001, 0.01, 0.003, 0.1 -> ranks 1, 3, 2, 4; objective 0.2, 0.5, 0.3, 0.7 -> ranks 1, 3, 2, 4: ρ = 1.
    expect(importance['optimizer.learning_rate']).toBeCloseTo(1, 12);
    // margin 2, 1, 3, 2.5 -> ranks 2, 1, 4, 3 against 1, 3, 2, 4: d = 1, -2, 2, -1, Σd² = 10, ρ = 1 - 6·10/(4·15) = 0.
    expect(importance['loss.margin']).toBeCloseTo(0, 12);
    // sgd ranks {1, 3} (mean 2), adam {2, 4} (mean 3); overall mean 2.5: between 2·0.25·2 = 1, total 5: η = √0.2.
    expect(importance['optimizer.name']).toBeCloseTo(Math.sqrt(0.2), 12);
  });

  it('renders its section with the history, the trials and the importance table', () => {
    const html = searchSectionHtml(search);
    expect(html).toContain('id="section-search"');
    expect(html).toContain('4 completed, 1 pruned');
    expect(html).toContain('Spearman');
    expect(html.match(/<path d="M[^"]*" class="(done|pruned)"/g)).toHaveLength(5);
    expect(searchSectionHtml(undefined)).toBe('');
  });
});
