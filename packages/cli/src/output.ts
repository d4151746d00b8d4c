/**
 * Where a command writes: results to `out`, messages to `err`. Its own module because every
 * command module takes one (commands.ts, queue-commands.ts, ...), and commands.ts calls
 * queue-commands.ts: importing it from here keeps that call one-way.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}
