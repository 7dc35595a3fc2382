import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { execa, type Options } from 'execa';
import { InterruptedError, MngError } from '../errors.js';
import { quoteArgv } from '../shell.js';
import { forEachLine, isPipeSource, type PipeSource, pipeInput, toFile } from './streams.js';

export type { PipeSource };

export interface RunOptions {
  /** what the child reads on stdin: text, bytes, or a stream piped in as it is made (a tar) */
  input?: string | Uint8Array | Readable | PipeSource;
  /** the child's stdin is this file (a bundle, an archive) */
  inputFile?: string;
  /** the child's stdout goes to this file instead of memory (large binary output: a bundle) */
  stdoutFile?: string;
  /** 'inherit' streams straight to the terminal (exec, connect, build output) */
  stdin?: 'pipe' | 'inherit' | 'ignore';
  stdout?: 'pipe' | 'inherit';
  stderr?: 'pipe' | 'inherit';
  /** throw a mapped MngError on a non-zero exit (default true) */
  check?: boolean;
  /** what to tell the user when the program is not on PATH (default: install it) */
  missingHint?: string;
  /** kill the child after this many milliseconds */
  timeoutMs?: number;
  /** a timeout is an answer (exit code 124, `timedOut`), not an error: for probes that try again */
  timeoutIsResult?: boolean;
  /**
   * read at most this many bytes of each output stream (stdout, also into `stdoutFile`, and stderr); more ends the
   * call: an error, or with `limitIsResult` an answer (`overLimit`)
   */
  maxBytes?: number;
  limitIsResult?: boolean;
  /** the arguments to show (-v) and keep with an error in place of the real ones (secrets redacted) */
  display?: readonly string[];
  /** called with each output line (stdout and stderr) as it arrives: build progress */
  onLine?: (line: string) => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** the child was killed at `timeoutMs` (only with `timeoutIsResult`; otherwise a timeout throws) */
  timedOut?: boolean;
  /** the child wrote more than `maxBytes` and was cut off (only with `limitIsResult`; otherwise it throws) */
  overLimit?: boolean;
}

export interface RunnerOptions {
  /** print every command line with its timing (-v) */
  verbose?: boolean;
  /** where verbose lines go (stderr) */
  log?: (line: string) => void;
  /** aborting this (Ctrl-C) kills the running child and makes every later call fail */
  signal?: AbortSignal;
  /** a warning for the user (stderr, never silenced) */
  warn?: (line: string) => void;
}

/**
 * The one place mng starts processes (docker, ssh, ssh-keygen), knowing nothing of what they mean: `-v` shows each
 * command line with its environment and duration, Ctrl-C (the abort signal) kills the child, and a program that is
 * missing or fails comes out as a one-line MngError. lib/docker/runner.ts adds docker's own error mapping on top.
 */
export class Runner {
  readonly verbose: boolean;
  protected readonly log: (line: string) => void;
  readonly warn: (line: string) => void;
  readonly signal?: AbortSignal;

  constructor(opts: RunnerOptions = {}) {
    this.verbose = opts.verbose ?? false;
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.signal = opts.signal;
    this.warn = opts.warn ?? (() => {});
    // Every running child listens for the abort: many at once (start or list of many hosts) is normal, not a leak.
    if (opts.signal) setMaxListeners(0, opts.signal);
  }

  /** The same runner (of the same class) without the abort signal: for clean-up that must still run after Ctrl-C. */
  detached(): this {
    const Same = this.constructor as new (opts: RunnerOptions) => this;
    return new Same({ verbose: this.verbose, log: this.log, warn: this.warn });
  }

  /** Run a program with these arguments; `env` is added to the environment (and shown by -v). */
  async run(
    file: string,
    args: readonly string[],
    opts: RunOptions = {},
    env: Record<string, string> = {},
  ): Promise<RunResult> {
    if (this.signal?.aborted) throw new InterruptedError();
    const shown = [
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      quoteArgv([file, ...(opts.display ?? args)]),
    ].join(' ');
    const started = performance.now();
    if (this.verbose) this.log(`+ ${shown}`);
    const child = execa(file, args, execaOptions(opts, env, this.signal));
    const source = pipeInput(child, opts.input);
    const written = opts.stdoutFile !== undefined ? toFile(child, opts.stdoutFile, opts.maxBytes) : undefined;
    if (opts.onLine) forEachLine(child, opts.onLine);
    const r = await child;
    const ms = Math.round(performance.now() - started);
    if (this.verbose) this.log(`  (${file} exit ${r.exitCode ?? 'signal'} after ${ms} ms)`);
    if (r.isCanceled || this.signal?.aborted) throw new InterruptedError();
    if (source.error) throw new MngError(`reading what goes to ${file} failed: ${source.error.message}`);
    const fileState = written && (await written);
    if (r.isMaxBuffer || fileState?.overLimit) return overLimit(file, opts);
    if (fileState?.error) throw new MngError(`writing what ${file} printed failed: ${fileState.error.message}`);
    // a child killed at its timeout may still exit with a code of its own (docker does, on SIGTERM): a timeout all the same
    if (r.failed && (r.exitCode === undefined || r.timedOut)) return notRun(file, shown, r, opts);
    const result: RunResult = {
      exitCode: r.exitCode ?? 1,
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
    };
    if (result.exitCode !== 0 && opts.check) {
      const last = result.stderr.trim().split('\n').pop() || `exit ${result.exitCode}`;
      throw new MngError(`${file} failed: ${last}`, {
        failed: { command: shown, exitCode: result.exitCode, stderr: result.stderr },
      });
    }
    return result;
  }
}

/** execa's options for one call: where its streams go, and no exception for a failure (mng maps it). */
function execaOptions(opts: RunOptions, env: Record<string, string>, signal: AbortSignal | undefined): Options {
  return {
    env,
    extendEnv: true,
    reject: false,
    stdin:
      opts.input !== undefined
        ? 'pipe'
        : opts.inputFile !== undefined
          ? { file: opts.inputFile }
          : (opts.stdin ?? 'ignore'),
    stdout: opts.stdout ?? 'pipe',
    // output sent to a file is not kept in memory too (see toFile)
    buffer: opts.stdoutFile !== undefined ? { stdout: false } : true,
    ...(opts.maxBytes !== undefined ? { maxBuffer: opts.maxBytes } : {}),
    stderr: opts.stderr ?? 'pipe',
    input: isPipeSource(opts.input) ? undefined : opts.input,
    timeout: opts.timeoutMs,
    cancelSignal: signal,
    stripFinalNewline: true,
    encoding: 'utf8',
  };
}

/** A child that wrote more than it may: an answer when asked for, else an error saying so. */
function overLimit(file: string, opts: RunOptions): RunResult {
  if (opts.limitIsResult) {
    return {
      exitCode: 1,
      stdout: '',
      stderr: `wrote more than ${opts.maxBytes} bytes`,
      overLimit: true,
    };
  }
  throw new MngError(`${file} wrote more than ${sizeText(opts.maxBytes ?? 0)}, more than mng reads from it: stopped`);
}

/** A byte count for people: `512 KiB`, `16 MiB`, `1 GiB`. */
export function sizeText(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let i = 0;
  while (n >= 1024 && i < units.length - 1 && Number.isInteger(n / 1024)) {
    n /= 1024;
    i++;
  }
  return `${n} ${units[i]}`;
}

/** A child that never ran to an exit code: not on PATH, timed out (an answer when asked for), or could not start. */
function notRun(
  file: string,
  shown: string,
  r: { cause?: unknown; timedOut?: boolean; shortMessage?: string },
  opts: RunOptions,
): RunResult {
  const code = (r.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    throw new MngError(`'${file}' was not found on PATH`, {
      hint: opts.missingHint ?? `install ${file} and try again`,
    });
  }
  if (r.timedOut && opts.timeoutIsResult) {
    return { exitCode: 124, stdout: '', stderr: `no answer within ${opts.timeoutMs} ms`, timedOut: true };
  }
  if (r.timedOut) throw new MngError(`${file} did not finish within ${opts.timeoutMs} ms: ${shown}`);
  throw new MngError(`${file} could not run: ${r.shortMessage}`);
}
