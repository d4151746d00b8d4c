/** The `lab` program: the one module with process side effects (signals, working folder, exit code). */
import { hideBin } from 'yargs/helpers';
import { describeFailure } from './failure.ts';
import { consoleOutput, main } from './main.ts';

const io = consoleOutput;

/**
 * First Ctrl-C (or SIGTERM, as `timeout`, `kill` and service managers send): finish the current
 * step, record the run as interrupted, exit. Second: exit now. Without the SIGTERM handler a
 * killed `lab run` would leave its run marked running until its lease expired.
 */
const stop = { requested: false };
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stop.requested) process.exit(130);
    stop.requested = true;
    io.err('\nstopping after the current step (Ctrl-C again to quit at once)...');
  });
}

// pnpm runs scripts from the workspace root; paths the user typed are relative to where they typed them.
if (process.env.INIT_CWD && process.env.INIT_CWD !== process.cwd()) process.chdir(process.env.INIT_CWD);

main(hideBin(process.argv), io, stop).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const failure = describeFailure(error);
    io.err(failure.text);
    process.exitCode = failure.exitCode;
  },
);
