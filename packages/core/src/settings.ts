import { z } from 'zod';

/**
 * Number fields of the component settings schemas, with the messages an experiment file's
 * reader sees (the runner adds the file, line and field).
 */
export const positiveNumber = (what: string) => z.number({ error: `${what} must be a number` }).gt(0, `${what} must be greater than 0`);

export const positiveWholeNumber = (what: string) =>
  z
    .number({ error: `${what} must be a whole number` })
    .int(`${what} must be a whole number`)
    .gt(0, `${what} must be at least 1`);
