import type { BenchSection } from './bench-section.ts';
import { trainingStepSection } from './training-step-timing.ts';
import { optimizerUpdateSection } from './optimizer-update.ts';
import { loggingOverheadSection } from './logging-overhead.ts';
import { reportTimingSection } from './report-timing.ts';
import { memorySection } from './memory.ts';
import { evaluationSection } from './evaluation-timing.ts';
import { sweepSection } from './sweep.ts';
import { serveSection } from './serve-timing.ts';
import { imageDecodingSection } from './image-decoding.ts';
import { lossStepSection } from './loss-step.ts';

/** Every section of `pnpm bench`, in order. */
export const benchSections: BenchSection[] = [
  trainingStepSection,
  optimizerUpdateSection,
  evaluationSection,
  loggingOverheadSection,
  reportTimingSection,
  memorySection,
  sweepSection,
  serveSection,
  imageDecodingSection,
  lossStepSection,
];
