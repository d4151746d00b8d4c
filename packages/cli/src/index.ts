export { describeFailure, type Failure } from './failure.ts';
