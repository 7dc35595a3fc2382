/**
 * The one error type users see. The CLI prints `mng: error: <message>` (plus an optional hint line)
 * and exits with `exitCode`; nothing else ever reaches the terminal as a stack trace.
 */
export class MngError extends Error {
  /** mng's own exit code (1, 2 for usage, 130 when interrupted) */
  readonly exitCode: number;
  readonly hint?: string;
  /** when a command mng ran failed (as execa's errors carry): its command line, its exit code and its stderr */
  readonly command?: string;
  readonly commandExitCode?: number;
  readonly stderr?: string;

  constructor(
    message: string,
    opts: { exitCode?: number; hint?: string; cause?: unknown; failed?: FailedCommand } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MngError';
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
    if (opts.failed) {
      this.command = opts.failed.command;
      this.commandExitCode = opts.failed.exitCode;
      this.stderr = opts.failed.stderr;
    }
  }
}

/** A command that ran and failed: what MngError keeps of it for callers (never printed whole). */
export interface FailedCommand {
  command: string;
  exitCode: number;
  stderr: string;
}

/** The named thing (an agent, a snapshot) does not exist: callers that search several places tell it from real failures. */
export class NotFoundError extends MngError {
  constructor(message: string, hint?: string) {
    super(message, { hint });
    this.name = 'NotFoundError';
  }
}

/** A usage error: wrong flags or arguments. Exit code 2, like yargs' own usage errors. */
export class UsageError extends MngError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 2, hint });
    this.name = 'UsageError';
  }
}

/** Thrown when the user interrupts (Ctrl-C); exit code 130 as a shell would report. */
export class InterruptedError extends MngError {
  constructor() {
    super('interrupted', { exitCode: 130 });
    this.name = 'InterruptedError';
  }
}
