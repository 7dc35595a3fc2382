import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { removeTestObjects } from './docker.js';

/** The built mng, run as users run it: through its own first line (see bin/mng.js). */
export const MNG_BIN = resolve(import.meta.dirname, '../../bin/mng.js');

export interface MngResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A throwaway user of the built `mng` binary: its own HOME, XDG dirs, config file and MNG_PREFIX, so tests
 * never see each other's agents or the developer's. `cleanup()` removes its containers even when a test failed.
 */
/** A user's terminal played by a local tmux (Sandbox.terminal). */
export interface Terminal {
  pane(): Promise<string>;
  keys(...keys: string[]): Promise<void>;
  kill(): Promise<void>;
}

export class Sandbox {
  readonly dir: string;
  readonly prefix: string;
  readonly env: Record<string, string>;
  /** The bare base image (no sshd, tmux or git); its prepared image is made once per machine (test/global-setup.ts). */
  readonly baseImage: string;
  /** mng's prepared image of the base (sshd, tmux, git and mng's files): a base for test images that need no preparation. */
  readonly preparedImage: string;
  readonly runId: string;

  constructor(tag: string) {
    this.runId = inject('runId');
    this.baseImage = inject('baseImage');
    this.preparedImage = inject('preparedImage');
    this.dir = mkdtempSync(join(tmpdir(), `mngtest-${tag}-`));
    this.prefix = `mngtest-${this.runId}-${tag}-`;
    for (const d of ['home', 'data', 'config', 'config/mng']) mkdirSync(join(this.dir, d), { recursive: true });
    this.env = {
      HOME: join(this.dir, 'home'),
      XDG_DATA_HOME: join(this.dir, 'data'),
      XDG_CONFIG_HOME: join(this.dir, 'config'),
      MNG_PREFIX: this.prefix,
      NO_COLOR: '1',
      MNG_SSH_TIMEOUT: '60',
    };
    this.useImage();
  }

  get configFile(): string {
    return join(this.dir, 'config', 'mng', 'config.toml');
  }

  get dataDir(): string {
    return join(this.dir, 'data', 'mng');
  }

  /** The container name of agent NAME. */
  container(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** The default config: one `docker` provider whose default image is this run's base image (or `image`). */
  useImage(image: string = this.baseImage): void {
    this.writeConfig(`[providers.docker]\nbackend = "docker"\ndefault_image = "${image}"\n`);
  }

  writeConfig(toml: string): void {
    writeFileSync(this.configFile, toml);
  }

  /** Run `mng ARGS` to completion (never throws on a non-zero exit). */
  async mng(
    args: string[],
    opts: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {},
  ): Promise<MngResult> {
    const r = await execa(MNG_BIN, args, {
      cwd: opts.cwd,
      env: { ...this.env, ...opts.env },
      extendEnv: true,
      reject: false,
      input: opts.input,
      stdin: opts.input === undefined ? 'ignore' : 'pipe',
      timeout: opts.timeoutMs ?? 180_000,
      stripFinalNewline: false,
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  /** Start `mng ARGS` and return the running process (for signals). */
  spawn(args: string[], opts: { env?: Record<string, string> } = {}): ResultPromise {
    return execa(MNG_BIN, args, { env: { ...this.env, ...opts.env }, extendEnv: true, reject: false, stdin: 'ignore' });
  }

  /** `mng create NAME --no-connect ...` that must succeed. */
  async create(name: string, extra: string[] = []): Promise<MngResult> {
    const r = await this.mng(['create', name, '--no-connect', ...extra]);
    if (r.exitCode !== 0) throw new Error(`mng create ${name} failed (${r.exitCode}): ${r.stderr}`);
    return r;
  }

  /** The ssh alias of agent NAME on PROVIDER: its container name on `docker`, `<container>.<provider>` elsewhere. */
  alias(name: string, provider = 'docker'): string {
    return provider === 'docker' ? this.container(name) : `${this.container(name)}.${provider}`;
  }

  /** ssh argv reaching agent NAME with mng's key and pinned host key, through mng's own ssh config file. */
  sshArgs(name: string, command: string[], provider = 'docker'): string[] {
    return ['-F', join(this.dataDir, 'ssh_config'), '-o', 'BatchMode=yes', this.alias(name, provider), ...command];
  }

  /**
   * A local tmux that plays the user's terminal (xterm-256color, 120 columns by ROWS): it runs `mng SHELL_TAIL` with
   * this sandbox's environment, e.g. `connect NAME; echo $? > FILE; sleep 60`. Kill it with `terminal.kill()`.
   */
  async terminal(id: string, rows: number, shellTail: string): Promise<Terminal> {
    const session = `${this.prefix}${id}`;
    const socket = join(this.dir, `tmux-${id}.sock`);
    const envs = Object.entries({ ...this.env, TERM: 'xterm-256color' })
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    const tmux = (args: string[]) => execa('tmux', ['-S', socket, ...args], { reject: false });
    await execa('tmux', [
      '-S',
      socket,
      ...['new-session', '-d', '-s', session, '-x', '120', '-y', String(rows)],
      `env ${envs} ${MNG_BIN} ${shellTail}`,
    ]);
    return {
      pane: async () => (await tmux(['capture-pane', '-p', '-t', session])).stdout,
      keys: async (...keys: string[]) => {
        await tmux(['send-keys', '-t', session, ...keys]);
      },
      kill: async () => {
        await tmux(['kill-server']);
      },
    };
  }

  /** Close every shared ssh connection of this sandbox (as when ControlPersist runs out): the next ssh handshakes again. */
  async closeMasters(): Promise<void> {
    const sockets = join(this.dataDir, 'sockets');
    if (!existsSync(sockets)) return;
    for (const s of readdirSync(sockets)) {
      await execa('ssh', ['-F', '/dev/null', '-o', `ControlPath=${join(sockets, s)}`, '-O', 'exit', 'x'], {
        reject: false,
      });
    }
  }

  /** `docker build --label` value that marks an image as this run's (removed at the end of the run). */
  get runLabel(): string {
    return `mngtest.run=${this.runId}`;
  }

  /** Remove this sandbox's containers (with their anonymous volumes), networks, volumes and snapshots, and its folder. */
  async cleanup(): Promise<void> {
    await removeTestObjects(this.prefix, undefined, `mng-snapshot/${this.prefix}*`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Ctrl-C as a user presses it at a chosen moment: wait (up to a minute) until CHILD's stderr so far satisfies
 * `started` (WHAT names that moment in the error otherwise), send SIGINT, and return the run with all its stderr
 * (what was read while waiting, then the rest).
 */
export async function interruptWhen(
  child: ResultPromise,
  started: (stderr: string) => boolean,
  what: string,
): Promise<{ r: Awaited<ResultPromise>; stderr: string }> {
  let stderr = '';
  await new Promise<void>((resolveStarted, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start: ${stderr}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (started(stderr)) {
        clearTimeout(timer);
        resolveStarted();
      }
    });
  });
  child.kill('SIGINT');
  const r = await child;
  return { r, stderr: stderr + String(r.stderr) };
}

/**
 * A failed mng run as a user sees it: the given exit code, exactly one `mng: error:` line matching `pattern`,
 * and no stack trace anywhere on stderr.
 */
export function expectFailure(r: MngResult, exitCode: number, pattern: RegExp): void {
  const lines = r.stderr.split('\n').filter(Boolean);
  const errors = lines.filter((l) => l.startsWith('mng: error: '));
  if (
    r.exitCode !== exitCode ||
    errors.length !== 1 ||
    !pattern.test(errors[0]) ||
    lines.some((l) => /^\s+at \S+/.test(l))
  ) {
    throw new Error(
      `expected exit ${exitCode} and one error line matching ${pattern}; got exit ${r.exitCode}, stderr:\n${r.stderr}`,
    );
  }
}
