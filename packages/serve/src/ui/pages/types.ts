import type { ChangeEvent } from '../../wire.ts';

export type { ChangeEvent };

/** A page: drawn into the main element; told about database changes while it is shown. */
export interface Page {
  onChange?(event: ChangeEvent): void;
  dispose?(): void;
}
