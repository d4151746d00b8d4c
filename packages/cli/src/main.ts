/**
 * The `lab` command's arguments: parses them and calls a command. Importing this module does
 * nothing; `bin.ts` is the entry that owns the process (signals, working folder, exit code).
 */
import yargs from 'yargs';
import { BACKEND_NAMES } from '@siamese-lab/backend';
import { runStatuses } from '@siamese-lab/run-record';
import { compareCommand, exportCommand, exportFormats, lsCommand, reportCommand, rmCommand, runCommand, showCommand } from './commands.ts';
import type { Output } from './output.ts';
import { baselineCommand, checkCommand } from './regression-commands.ts';
import { compareGroupsCommand, defaultCompareMetrics } from './compare-groups.ts';
import { LabError } from '@siamese-lab/core';
import { sweepArguments, sweepOptions } from './sweep-options.ts';
import { queueArguments, queueOptions, queueSweepOptions, workerCommand } from './queue-commands.ts';
import { STOP_GRACE_SECONDS } from '@siamese-lab/queue';
import { serveCommand, serveOptions } from './serve-command.ts';
import { embedCommand, exportModelCommand, modelFormats } from './model-commands.ts';
import { searchActions, searchBestCommand } from './search-commands.ts';

/** Prints to the process's stdout and stderr, a line per call. */
export const consoleOutput: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * Runs one `lab` command line (without the program name) and returns its exit code. `stop`
 * is polled between training steps: set `requested` to stop after the current step.
 */
export async function main(
  argv: string[],
  io: Output = consoleOutput,
  stop: { requested: boolean } = { requested: false },
): Promise<number> {
  let exitCode = 0;
  const parser = yargs(argv)
    .scriptName('lab')
    .usage('$0 <command> [options]\n\nSiamese Lab: run, track and compare Siamese-network experiments.')
    .option('db', {
      type: 'string',
      default: 'results/runs.sqlite',
      describe: 'the run database (SQLite); reports go beside it, in <db folder>/<experiment>/',
      global: true,
    })
    .command(
      'run <file>',
      'run an experiment file: every run of its sweep that has not finished yet, then write its report',
      (command) =>
        command
          .positional('file', { type: 'string', demandOption: true, describe: 'experiment YAML, e.g. experiments/optimizer-sweep.yaml' })
          .option('backend', { choices: BACKEND_NAMES, describe: "override the backend of every run (default: the file's, else auto)" })
          .option('force', { type: 'boolean', default: false, describe: 're-run runs that already finished' })
          .option('yes', { type: 'boolean', default: false, describe: 'allow a sweep larger than its max_runs' })
          .option('report', { type: 'boolean', default: true, describe: 'write the HTML report at the end (--no-report to skip)' })
          .options(sweepOptions)
          .options(queueSweepOptions)
          .example('$0 run experiments/quickstart.yaml', 'one small run, about a minute')
          .example('$0 run experiments/optimizer-sweep.yaml --backend wasm', 'the SGD vs Adam sweep on the wasm backend')
          .example('$0 run experiments/optimizer-sweep.yaml --jobs 2', 'two runs at once, each in its own process with half the cores')
          .example(
            '$0 run experiments/optimizer-sweep.yaml --queue redis://:PASSWORD@HOST:6379',
            'the runs as jobs for `lab worker` processes on any machine',
          ),
      async (args) => {
        exitCode = await runCommand(
          {
            file: args.file,
            db: args.db,
            backend: args.backend,
            force: args.force,
            yes: args.yes,
            report: args.report,
            ...sweepArguments(args),
            queue: queueArguments(args),
          },
          io,
          stop,
        );
      },
    )
    .command(
      'worker',
      'train runs from a queue (`lab run FILE --queue URL` fills it) until stopped; results go back to the queue',
      (command) =>
        command
          .options(queueOptions)
          .option('concurrency', { type: 'number', default: 1, describe: 'runs trained at once, each in its own process' })
          .option('threads', { type: 'number', describe: 'BLAS threads per run (default: the cores, divided by --concurrency)' })
          .option('lock-seconds', {
            type: 'number',
            default: 30,
            hidden: true,
            describe: "a crashed worker's job goes to another after this long",
          })
          .example('$0 worker --queue redis://:PASSWORD@10.0.0.5:6379', 'on each machine that should train')
          .epilogue(
            `Ctrl-C or SIGTERM: the job in hand is finished, then Redis gets ${STOP_GRACE_SECONDS} s to take its result; if it cannot ` +
              '(Redis down), the worker exits 2 and the job goes to another worker once its lock expires. An idle worker exits at once.',
          ),
      async (args) => {
        exitCode = await workerCommand(
          {
            queue: args.queue,
            insecure: args.insecure,
            concurrency: args.concurrency,
            threads: args.threads,
            lockSeconds: args['lock-seconds'],
          },
          io,
          stop,
        );
      },
    )
    .command(
      'ls [experiment]',
      'list experiments, or the runs of one experiment',
      (command) =>
        command
          .positional('experiment', { type: 'string', describe: 'experiment name' })
          .option('status', { choices: runStatuses, describe: 'only runs with this status' }),
      (args) => {
        exitCode = lsCommand({ db: args.db, experiment: args.experiment, status: args.status }, io);
      },
    )
    .command(
      'show <run>',
      'show one run: status, NaN diagnosis, metrics, parameters and provenance',
      (command) => command.positional('run', { type: 'number', demandOption: true, describe: 'run id (from lab ls)' }),
      (args) => {
        exitCode = showCommand({ db: args.db, run: args.run }, io);
      },
    )
    .command(
      'compare <targets..>',
      'compare runs side by side (run ids), or groups of runs with statistics (EXPERIMENT --by PARAM)',
      (command) =>
        command
          .positional('targets', {
            type: 'string',
            array: true,
            demandOption: true,
            describe: 'two or more run ids, or one experiment (name or file) with --by',
          })
          .option('by', {
            type: 'string',
            describe: "group the experiment's runs by this parameter (e.g. optimizer.name) and compare the groups",
          })
          .option('metric', {
            type: 'string',
            array: true,
            describe: `with --by: the metric(s) to compare (default: ${defaultCompareMetrics.join(', ')})`,
          })
          .option('pool', {
            type: 'boolean',
            default: false,
            describe: 'with --by: pool over the other swept parameters (default: compare within each of their settings)',
          })
          .option('confidence', { type: 'number', default: 0.95, describe: 'with --by: the confidence level of the intervals' })
          .option('json', { type: 'boolean', default: false, describe: 'with --by: print the comparison as JSON' })
          .example('$0 compare 3 7', 'two runs: the parameters that differ, metrics side by side')
          .example(
            '$0 compare optimizer-sweep --by optimizer.name --metric anisotropy',
            'SGD vs Adam over seeds: means, intervals, effect size, tests',
          ),
      (args) => {
        const targets = args.targets.map(String);
        if (args.by !== undefined) {
          if (targets.length !== 1)
            throw new LabError('compare --by takes one experiment', {
              field: '--by',
              hint: 'e.g. pnpm lab compare optimizer-sweep --by optimizer.name',
            });
          exitCode = compareGroupsCommand(
            {
              db: args.db,
              experiment: targets[0],
              by: args.by,
              metrics: args.metric?.map(String),
              pool: args.pool,
              json: args.json,
              confidence: args.confidence,
            },
            io,
          );
          return;
        }
        const ids = targets.map(Number);
        if (ids.some((id) => !Number.isInteger(id))) {
          throw new LabError(`compare takes run ids, or an experiment with --by (got ${targets.join(' ')})`, {
            hint: 'e.g. pnpm lab compare 3 7, or pnpm lab compare optimizer-sweep --by optimizer.name',
          });
        }
        exitCode = compareCommand({ db: args.db, runs: ids }, io);
      },
    )
    .command(
      'export <experiment>',
      'print every run of an experiment with its parameters and metrics',
      (command) =>
        command
          .positional('experiment', { type: 'string', demandOption: true })
          .option('format', { choices: exportFormats, default: exportFormats[0], describe: 'output format' }),
      (args) => {
        exitCode = exportCommand({ db: args.db, experiment: args.experiment, format: args.format }, io);
      },
    )
    .command(
      'export-model <run>',
      "write a finished run's trained sister(s) as a standard model file (ONNX) to use outside the lab",
      (command) =>
        command
          .positional('run', { type: 'number', demandOption: true, describe: 'run id (from lab ls)' })
          .option('format', { choices: modelFormats, default: modelFormats[0], describe: 'model format' })
          .option('out', { type: 'string', describe: 'the model file (default: <db folder>/<experiment>/run-<id>.onnx)' })
          .example('$0 export-model 3 --out mnist.onnx', 'input float32 [batch, 28, 28], raw pixels 0-255; output [batch, embedding_dim]'),
      (args) => {
        exitCode = exportModelCommand({ db: args.db, run: args.run, format: args.format, out: args.out }, io);
      },
    )
    .command(
      'embed <run> <input>',
      "embed images with a finished run's model and its preprocessing: .npy and .csv, optionally TensorBoard projector files",
      (command) =>
        command
          .positional('run', { type: 'number', demandOption: true, describe: 'run id (from lab ls)' })
          .positional('input', {
            type: 'string',
            demandOption: true,
            describe: 'an .npy array of images, raw pixels 0-255: [N, rows, cols]; or a folder of class folders of PNG/JPEG images',
          })
          .option('out', {
            type: 'string',
            describe: 'the embeddings .npy, a .csv beside it (default: beside the input, <name>.run-<id>.npy)',
          })
          .option('side', {
            choices: ['a', 'b'] as const,
            default: 'a' as const,
            describe: 'the sister (b: distinct weights only; it renders the inputs as the run did)',
          })
          .option('labels', {
            type: 'string',
            describe: "an .npy array of N labels for the projector metadata (a folder's: its class folders)",
          })
          .option('projector', {
            type: 'string',
            describe: 'also write TensorBoard projector files (tensors, metadata, sprite, config) into this folder',
          })
          .option('backend', { choices: BACKEND_NAMES, describe: 'the tfjs backend (default: the one the run trained on)' })
          .example('$0 embed 3 digits.npy --projector logs/projector', 'then: tensorboard --logdir logs/projector'),
      async (args) => {
        exitCode = await embedCommand(
          {
            db: args.db,
            run: args.run,
            input: args.input,
            out: args.out,
            side: args.side,
            labels: args.labels,
            projector: args.projector,
            backend: args.backend,
          },
          io,
        );
      },
    )
    .command(
      'search <action> <experiment>',
      "a search's results: `best` prints its best completed trial as an experiment file with those values fixed, to rerun over seeds",
      (command) =>
        command
          .positional('action', { choices: searchActions, demandOption: true })
          .positional('experiment', { type: 'string', demandOption: true, describe: 'the search experiment name' })
          .option('seeds', { type: 'number', default: 5, describe: 'seeds in the printed sweep' })
          .example('$0 search best search > experiments/search-best.yaml', 'then: pnpm run exp experiments/search-best.yaml'),
      (args) => {
        exitCode = searchBestCommand({ db: args.db, experiment: args.experiment, seeds: args.seeds }, io);
      },
    )
    .command(
      'report <experiment>',
      "write the experiment's self-contained HTML report (works while it is still running)",
      (command) => command.positional('experiment', { type: 'string', demandOption: true }),
      async (args) => {
        exitCode = await reportCommand({ db: args.db, experiment: args.experiment }, io);
      },
    )
    .command(
      'rm [experiment]',
      'remove an experiment and its runs, or one run with --run',
      (command) =>
        command.positional('experiment', { type: 'string' }).option('run', { type: 'number', describe: 'remove only this run id' }),
      (args) => {
        exitCode = rmCommand({ db: args.db, experiment: args.experiment, run: args.run }, io);
      },
    )
    .command(
      'baseline <experiment>',
      "record a finished experiment's metrics as a baseline file to review and commit (experiments/baselines/<name>.json)",
      (command) =>
        command
          .positional('experiment', {
            type: 'string',
            demandOption: true,
            describe: 'experiment name, or its YAML file (then only its current runs)',
          })
          .option('baseline', {
            type: 'string',
            describe: 'where to write it (default: baselines/<name>.json beside the experiment file, else experiments/baselines/)',
          })
          .example('$0 baseline optimizer-sweep', 'writes experiments/baselines/optimizer-sweep.json'),
      (args) => {
        exitCode = baselineCommand({ db: args.db, experiment: args.experiment, baseline: args.baseline }, io);
      },
    )
    .command(
      'check <target>',
      "compare an experiment's metrics with its baseline and decide its claims; exit 1 when a metric leaves its tolerance, a run appears or disappears, or a claim fails",
      (command) =>
        command
          .positional('target', {
            type: 'string',
            demandOption: true,
            describe: 'experiment file (runs what is missing first) or experiment name (reads the store)',
          })
          .option('baseline', { type: 'string', describe: 'the baseline file (default: baselines/<name>.json beside the experiment file)' })
          .option('fresh', {
            type: 'boolean',
            default: false,
            describe: 're-train every run in a temporary database, with the current code',
          })
          .option('backend', { choices: BACKEND_NAMES, describe: 'override the backend of every run (experiment file only)' })
          .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON' })
          .option('yes', { type: 'boolean', default: false, describe: 'allow a sweep larger than its max_runs' })
          .option('confidence', {
            type: 'number',
            default: 0.95,
            describe: "the confidence level at which the experiment's claims are decided",
          })
          .example('$0 check optimizer-sweep', 'the recorded runs against experiments/baselines/optimizer-sweep.json')
          .example('$0 check experiments/quickstart.yaml --fresh', 're-train and compare'),
      async (args) => {
        exitCode = await checkCommand(
          {
            db: args.db,
            target: args.target,
            baseline: args.baseline,
            fresh: args.fresh,
            backend: args.backend,
            json: args.json,
            yes: args.yes,
            confidence: args.confidence,
          },
          io,
          stop,
        );
      },
    )
    .command(
      'serve',
      'a local web UI: experiments, runs, embeddings side by side, following running sweeps live',
      serveOptions,
      async (args) => {
        exitCode = await serveCommand({ db: String(args.db), port: args.port, host: args.host, open: args.open }, io, stop);
      },
    )
    .demandCommand(
      1,
      'name a command: run, worker, ls, show, compare, export, export-model, embed, search, report, rm, baseline, check or serve (see --help)',
    )
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      io.err(`error: ${message}\nrun with --help for usage`);
      // Thrown, not returned: yargs would otherwise still run the command (a bad --format wrote its file).
      throw new UsageFailure();
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    if (error instanceof UsageFailure) return 2;
    throw error;
  }
  return exitCode;
}

/** Bad arguments, already printed: the command must not run. */
class UsageFailure extends Error {}
