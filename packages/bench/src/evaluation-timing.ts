import { selectBackend } from '@siamese-lab/backend';
import { evaluateRun, loadRunData, runSpecSchema, trainRun } from '@siamese-lab/runner';
import type { BenchOptions, BenchSection } from './bench-section.ts';

/** The run length the evaluation is weighed against (the optimizer sweep's runs). */
const RUN_STEPS = 2000;

/**
 * The evaluation of a run (embedding the 10,000 test images and every metric), timed after a
 * short training so the embedding is not degenerate, and weighed against a 2,000-step run on the
 * same backend: training time projected from the measured steps/s, plus the evaluation.
 */
export const evaluationSection: BenchSection = {
  name: 'evaluation',
  async run(options: BenchOptions) {
    const backend = await selectBackend('auto', { blasThreads: options.blasThreads });
    const steps = Math.max(50, Math.round(options.steps));
    const spec = runSpecSchema.parse({ training: { steps, log_every: 100 }, evaluation: { test_limit: 10000 } });
    const data = loadRunData(spec.data);
    options.log(
      `evaluation on ${backend.name}: ${steps} training steps, then embedding ${Math.min(10000, data.test.count)} test images and every metric`,
    );
    const trained = await trainRun(spec, data);
    const embedStarted = performance.now();
    trained.model.embedAll(data.test.images, data.test.count, 'a');
    const embeddingSeconds = (performance.now() - embedStarted) / 1000;
    const started = performance.now();
    const evaluation = evaluateRun(trained.model, data.test, spec);
    const evaluationSeconds = (performance.now() - started) / 1000;
    trained.model.dispose();
    const stepsPerSecond = trained.stepsDone / trained.trainSeconds;
    const runSeconds = RUN_STEPS / stepsPerSecond + evaluationSeconds;
    const fraction = evaluationSeconds / runSeconds;
    return {
      lines: [
        `evaluation (${backend.name}, ${data.test.count} test images, ${Object.keys(evaluation.metrics).length} metrics): ${evaluationSeconds.toFixed(2)} s (embedding alone ${embeddingSeconds.toFixed(2)} s); ${(fraction * 100).toFixed(1)}% of a ${RUN_STEPS}-step run (${runSeconds.toFixed(1)} s at ${stepsPerSecond.toFixed(1)} steps/s)`,
      ],
      json: {
        evaluation_seconds: evaluationSeconds,
        evaluation_embedding_seconds: embeddingSeconds,
        evaluation_fraction_of_2000_step_run: fraction,
        evaluation: { backend: backend.name, test_images: data.test.count, training_steps_per_s: stepsPerSecond, run_steps: RUN_STEPS },
      },
    };
  },
};
