import { isLabError } from '@siamese-lab/core';

export interface Failure {
  /** 2 for a problem with the user's input or environment, 70 for a bug. */
  exitCode: number;
  /** What the CLI prints on stderr. */
  text: string;
}

/** How the CLI reports an error that ended a command: one paragraph for a LabError, the stack for a bug. */
export function describeFailure(error: unknown): Failure {
  if (isLabError(error)) return { exitCode: 2, text: `error: ${error.describe()}` };
  return {
    exitCode: 70,
    text: `internal error (a bug in Siamese Lab, please report it):\n${error instanceof Error ? error.stack : String(error)}`,
  };
}
