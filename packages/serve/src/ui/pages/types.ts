/** What the server's change events carry (see src/live.ts). */
export interface ChangeEvent {
  runs: Array<{
    id: number;
    experimentName: string;
    status: string;
    stepsDone: number;
    lastStep: number | null;
    change: 'added' | 'changed' | 'removed';
  }>;
  experiments: string[];
}

/** A page: drawn into the main element; told about database changes while it is shown. */
export interface Page {
  onChange?(event: ChangeEvent): void;
  dispose?(): void;
}
