/**
 * The one error type users see. The CLI prints `mng: error: <message>` (plus an optional hint line)
 * and exits with `exitCode`; nothing else ever reaches the terminal as a stack trace.
 */
export class MngError extends Error {
  readonly exitCode: number;
  readonly hint?: string;

  constructor(message: string, opts: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MngError';
    this.exitCode = opts.exitCode ?? 1;
    this.hint = opts.hint;
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
