export { benchSections } from './sections.ts';
export { trainingStepSection } from './training-step-timing.ts';
export { DEFAULT_BENCH_OPTIONS, type BenchSection, type BenchOptions, type SectionReport } from './bench-section.ts';
export {
  createTrainingStep,
  timeTrainingStep,
  stepFlops,
  SEED_STEP,
  type StepShape,
  type StepTiming,
  type TrainingStepRunner,
} from './training-step.ts';
export { runPytorchPeer, torchPeerScript, type PeerResult } from './pytorch-peer.ts';
