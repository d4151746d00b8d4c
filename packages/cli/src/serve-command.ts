import type { Argv } from 'yargs';
import { LabError } from '@siamese-lab/core';
import { openInBrowser, startServer } from '@siamese-lab/serve';
import type { Output } from './output.ts';

export interface ServeArgs {
  db: string;
  port: number;
  host: string;
  open: boolean;
}

/** The options of `lab serve`. */
export function serveOptions<T>(command: Argv<T>) {
  return command
    .option('port', { type: 'number', default: 8080, describe: 'port to listen on (0: any free port)' })
    .option('host', {
      type: 'string',
      default: '127.0.0.1',
      describe: 'address to listen on; anything but loopback exposes your runs to the network',
    })
    .option('open', { type: 'boolean', default: false, describe: 'open the page in the default browser' })
    .example('$0 serve', 'the UI for results/runs.sqlite at http://127.0.0.1:8080/')
    .example('$0 serve --db results/runs.sqlite --port 0 --open', 'any free port, and open the browser');
}

/** How often the command checks whether the user asked it to stop. */
const stopPollMilliseconds = 200;

/**
 * `lab serve`: a local web UI over the run database that follows sweeps live. Runs until
 * `stop.requested` (the program sets it on Ctrl-C), then closes the server and the database.
 */
export async function serveCommand(args: ServeArgs, io: Output, stop: { requested: boolean }): Promise<number> {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    throw new LabError(`--port must be a whole number from 0 to 65535, got ${args.port}`, {
      field: '--port',
      hint: 'e.g. --port 8080, or --port 0 for any free port',
    });
  }
  const server = await startServer({ db: args.db, port: args.port, host: args.host });
  io.out(`serving ${server.store.path} at ${server.url}`);
  if (args.host !== '127.0.0.1' && args.host !== 'localhost' && args.host !== '::1')
    io.err(`warning: listening on ${args.host}: anyone who can reach this address can read your runs`);
  if (args.open) openInBrowser(server.url);
  while (!stop.requested) await new Promise((resolve) => setTimeout(resolve, stopPollMilliseconds));
  await server.close();
  io.err('server stopped');
  return 0;
}
