import { execa, type Options } from 'execa';
import { InterruptedError, MngError } from '../errors.js';
import { quoteArgv } from '../shell.js';
import { dockerError, isNoSuchObject, type DaemonRef } from './errors.js';

export interface RunOptions {
  /** text written to the child's stdin */
  input?: string;
  /** 'inherit' streams straight to the terminal (exec, connect, build output) */
  stdin?: 'pipe' | 'inherit' | 'ignore';
  stdout?: 'pipe' | 'inherit';
  stderr?: 'pipe' | 'inherit';
  /** throw a mapped MngError on a non-zero exit (default true) */
  check?: boolean;
  /** docker only: "No such container/image" is an answer, returned with its exit code, not thrown; other failures still throw */
  allowMissing?: boolean;
  /** kill the child after this many milliseconds */
  timeoutMs?: number;
  /** called with each output line (stdout and stderr) as it arrives: build progress */
  onLine?: (line: string) => void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunnerOptions {
  /** print every command line with its timing (-v) */
  verbose?: boolean;
  /** where verbose lines go (stderr) */
  log?: (line: string) => void;
  /** aborting this (Ctrl-C) kills the running child and makes every later call fail */
  signal?: AbortSignal;
}

/**
 * The one place mng starts processes. Every docker and ssh call goes through here, so `-v` shows each
 * command line with its duration, DOCKER_HOST is set per provider, and failures come out uniform.
 */
export class Runner {
  readonly verbose: boolean;
  private readonly log: (line: string) => void;
  readonly signal?: AbortSignal;

  constructor(opts: RunnerOptions = {}) {
    this.verbose = opts.verbose ?? false;
    this.log = opts.log ?? ((line) => process.stderr.write(line + '\n'));
    this.signal = opts.signal;
  }

  /** The same runner without the abort signal: for clean-up that must still run after Ctrl-C. */
  detached(): Runner {
    return new Runner({ verbose: this.verbose, log: this.log });
  }

  /** Run a docker command against one daemon. Throws MngError (daemon unreachable, docker's own message) on failure. */
  async docker(daemon: DaemonRef, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const env: Record<string, string> = {};
    if (daemon.host) env.DOCKER_HOST = daemon.host;
    const result = await this.run('docker', args, { ...opts, check: false }, env);
    if (result.exitCode !== 0 && opts.check !== false && !(opts.allowMissing && isNoSuchObject(result.stderr))) {
      throw dockerError(args, result.exitCode, result.stderr, daemon);
    }
    return result;
  }

  /** Run any other program (ssh, ssh-keygen). */
  async run(file: string, args: readonly string[], opts: RunOptions = {}, env: Record<string, string> = {}): Promise<RunResult> {
    if (this.signal?.aborted) throw new InterruptedError();
    const shown = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), quoteArgv([file, ...args])].join(' ');
    const started = performance.now();
    if (this.verbose) this.log(`+ ${shown}`);
    const options: Options = {
      env,
      extendEnv: true,
      reject: false,
      stdin: opts.input !== undefined ? 'pipe' : (opts.stdin ?? 'ignore'),
      stdout: opts.stdout ?? 'pipe',
      stderr: opts.stderr ?? 'pipe',
      input: opts.input,
      timeout: opts.timeoutMs,
      cancelSignal: this.signal,
      stripFinalNewline: true,
      encoding: 'utf8',
    };
    const child = execa(file, args, options);
    if (opts.onLine) {
      for (const stream of [child.stdout, child.stderr]) {
        if (!stream) continue;
        let buf = '';
        stream.on('data', (chunk: Buffer) => {
          buf += chunk.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            opts.onLine!(buf.slice(0, i));
            buf = buf.slice(i + 1);
          }
        });
        stream.on('end', () => buf && opts.onLine!(buf));
      }
    }
    const r = await child;
    const ms = Math.round(performance.now() - started);
    if (this.verbose) this.log(`  (${file} exit ${r.exitCode ?? 'signal'} after ${ms} ms)`);
    if (r.isCanceled || this.signal?.aborted) throw new InterruptedError();
    if (r.failed && r.exitCode === undefined) {
      const code = (r.cause as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ENOENT') {
        throw new MngError(`'${file}' was not found on PATH`, { hint: file === 'docker' ? 'install the Docker CLI (https://docs.docker.com/engine/install/) and try again' : `install ${file} and try again` });
      }
      if (r.timedOut) throw new MngError(`${file} did not finish within ${opts.timeoutMs} ms: ${shown}`);
      throw new MngError(`${file} could not run: ${r.shortMessage}`);
    }
    const result: RunResult = {
      exitCode: r.exitCode ?? 1,
      stdout: typeof r.stdout === 'string' ? r.stdout : '',
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
    };
    if (result.exitCode !== 0 && opts.check) {
      const last = result.stderr.trim().split('\n').pop() || `exit ${result.exitCode}`;
      throw new MngError(`${file} failed: ${last}`);
    }
    return result;
  }
}
