export { parseQueueAddress, connectRedis, isLoopback, QUEUE_NAME, type QueueAddress } from './connection.ts';
export { runExperimentOnQueue, type QueueSweepOptions } from './coordinator.ts';
export { startQueueWorker, type QueueWorkerOptions, type JobProgress } from './worker.ts';
export { validateRunJob, runJobOf, jobIdOf, RejectedJob, JOB_FORMAT, type RunJob } from './job.ts';
export { encodeRunResult, decodeRunResult, type EncodedRunResult, type DecodedRunResult } from './result.ts';
export { projectVersion } from './project-version.ts';
