export { parseQueueAddress, connectRedis, isLoopback, QUEUE_NAME, type QueueAddress } from './connection.ts';
export { runExperimentOnQueue, type QueueSweepOptions } from './coordinator.ts';
export { startQueueWorker, STOP_GRACE_SECONDS, type QueueWorkerOptions, type JobProgress } from './worker.ts';
export { runJobOf, jobIdOf, type RunJob } from './job.ts';
export { projectVersion } from './project-version.ts';
