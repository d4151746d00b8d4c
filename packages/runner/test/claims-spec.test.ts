import { describe, expect, it } from 'vitest';
import { parseExperimentFile } from '../src/index.ts';
import { experimentFileWriter, parseErrorOf as errorOf } from './helpers.ts';

const file = experimentFileWriter('lab-claims-');

/** An experiment sweeping optimizer and epsilon over two seeds, with the given claims block. */
function withClaims(claims: string): string {
  return file(
    `name: claims
sweep:
  grid:
    optimizer.name: [sgd, adam]
    loss.epsilon: [0, 1.0e-6]
  seeds: 2
${claims}`,
  );
}

describe('claims in experiment files', () => {
  it('parses order and threshold claims, matching values by number (1e-6 names 0.000001)', () => {
    const spec = parseExperimentFile(
      withClaims(`claims:
  - { metric: anisotropy, by: optimizer.name, expect: "adam > sgd" }
  - { metric: nan_runs, by: loss.epsilon, expect: "1e-6 < 0", where: { optimizer.name: sgd } }
  - metric: nn_accuracy
    expect: "> 0.3"
    where: { loss.epsilon: 1.0e-6 }
    confidence: 0.99
  - { metric: map_at_r, by: optimizer.name, expect: "sgd > adam - 0.02" }
`),
    );
    expect(spec.claims).toHaveLength(4);
    expect(spec.claims[3]).toMatchObject({ expectation: { kind: 'order', higher: 'sgd', lower: 'adam', margin: 0.02 } });
    expect(spec.claims[0]).toMatchObject({
      metric: 'anisotropy',
      by: 'optimizer.name',
      expectation: { kind: 'order', higher: 'adam', lower: 'sgd' },
    });
    expect(spec.claims[0].location).toMatch(/experiment-\d+\.yaml:8:5$/);
    expect(spec.claims[1]).toMatchObject({ expectation: { kind: 'order', higher: 0, lower: 1e-6 }, where: { 'optimizer.name': 'sgd' } });
    expect(spec.claims[2]).toMatchObject({
      expectation: { kind: 'threshold', direction: 'above', value: 0.3 },
      confidence: 0.99,
      where: { 'loss.epsilon': 1e-6 },
    });
  });

  it('a file without claims has none', () => {
    expect(parseExperimentFile(withClaims('')).claims).toEqual([]);
  });

  const cases: Array<[string, string, RegExp, RegExp]> = [
    [
      'a value that is not swept',
      '  - { metric: anisotropy, by: optimizer.name, expect: "adma > sgd" }',
      /`adma` is not a value of optimizer.name/,
      /did you mean `adam`/,
    ],
    [
      'an unknown parameter',
      '  - { metric: anisotropy, by: optimizer.nme, expect: "adam > sgd" }',
      /`optimizer.nme` is not a parameter/,
      /did you mean `optimizer.name`/,
    ],
    [
      'a parameter that does not vary',
      '  - { metric: anisotropy, by: loss.margin, expect: "5 > 4" }',
      /`loss.margin` does not vary/,
      /sweep.grid/,
    ],
    [
      'no operator',
      '  - { metric: anisotropy, by: optimizer.name, expect: "adam beats sgd" }',
      /is not a comparison of two values/,
      /"sgd > adam"/,
    ],
    ['a threshold without a number', '  - { metric: anisotropy, expect: "> high" }', /is not a comparison with a number/, /"> 0.3"/],
    [
      'an order claim without by',
      '  - { metric: anisotropy, expect: "adam > sgd" }',
      /is not a comparison with a number/,
      /name it with `by`/,
    ],
    ['nan_runs without by', '  - { metric: nan_runs, expect: "< 0.5" }', /nan_runs compares groups/, /by: loss.epsilon/],
    [
      'a where value no run has',
      '  - { metric: anisotropy, by: optimizer.name, expect: "adam > sgd", where: { loss.epsilon: 1 } }',
      /no run has loss.epsilon = 1/,
      /0, 1e-6/,
    ],
    [
      'an unknown key',
      '  - { metric: anisotropy, by: optimizer.name, expect: "adam > sgd", pooled: true }',
      /unknown key `pooled`/,
      /did you mean `pool`/,
    ],
    ['a bad metric name', '  - { metric: "Aniso tropy", by: optimizer.name, expect: "adam > sgd" }', /metric is a metric name/, /./],
    [
      'a margin on the smaller side',
      '  - { metric: anisotropy, by: optimizer.name, expect: "sgd < adam - 0.02" }',
      /a margin is written on the right of ">"/,
      /"adam > sgd - 0.02"/,
    ],
    ['the same value twice', '  - { metric: anisotropy, by: optimizer.name, expect: "adam > adam" }', /two different values/, /./],
  ];
  for (const [what, line, message, hint] of cases) {
    it(`reports ${what} at its line, before anything runs`, () => {
      const error = errorOf(withClaims(`claims:\n${line}\n`));
      expect(error.message).toMatch(message);
      expect(error.hint).toMatch(hint);
      expect(error.location).toMatch(/experiment-\d+\.yaml:8:\d+$/);
      expect(error.field).toMatch(/^claims(\[0\]|\.0)/);
    });
  }
});
