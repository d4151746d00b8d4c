export { main, consoleOutput } from './main.ts';
export { describeFailure, type Failure } from './failure.ts';
export type { Output } from './output.ts';
