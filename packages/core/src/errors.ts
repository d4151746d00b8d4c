/**
 * An error caused by the user's input or environment (a bad experiment file, a missing
 * dataset, an unwritable folder). The CLI prints it as one paragraph and exits non-zero,
 * without a stack trace. Anything that is not a LabError is a bug and is shown with its stack.
 */
export class LabError extends Error {
  /** Where the problem is: a file path, optionally with `:line:column`. */
  readonly location?: string;
  /** The field inside that file, as a dotted path (`base.loss.margin`). */
  readonly field?: string;
  /** What the user can do about it. */
  readonly hint?: string;

  constructor(message: string, options: { location?: string; field?: string; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LabError';
    this.location = options.location;
    this.field = options.field;
    this.hint = options.hint;
  }

  /** The one-paragraph form the CLI prints. */
  describe(): string {
    const where = [this.location, this.field ? `field \`${this.field}\`` : undefined].filter(Boolean).join(', ');
    return `${where ? `${where}: ` : ''}${this.message}${this.hint ? `\n  hint: ${this.hint}` : ''}`;
  }
}

export function isLabError(error: unknown): error is LabError {
  return error instanceof LabError;
}
