import { Chalk, type ChalkInstance } from 'chalk';

/** Colour only on a terminal, and never with NO_COLOR set (chalk does not check NO_COLOR itself). */
export function colorFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const off = (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || !stream.isTTY || env.TERM === 'dumb';
  return new Chalk({ level: off ? 0 : 1 });
}

export interface Output {
  /** a result line on stdout */
  result: (text: string) => void;
  /** narration on stderr; silenced by -q */
  progress: (text: string) => void;
  /** warnings on stderr; always shown */
  warn: (text: string) => void;
  /** raw lines of long work (docker build) on stderr; silenced by -q */
  stream: (line: string) => void;
  /** colours for stdout */
  out: ChalkInstance;
  /** colours for stderr */
  err: ChalkInstance;
}

export function makeOutput(opts: { quiet: boolean }): Output {
  const out = colorFor(process.stdout);
  const err = colorFor(process.stderr);
  return {
    out,
    err,
    result: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    progress: (text) => {
      if (!opts.quiet) process.stderr.write(err.dim(text) + '\n');
    },
    warn: (text) => process.stderr.write(`${err.yellow('mng: warning:')} ${text}\n`),
    stream: (line) => {
      if (!opts.quiet) process.stderr.write(err.dim(`  | ${line}`) + '\n');
    },
  };
}

/** The one-line error a user sees: `mng: error: <message> (<hint>)`. */
export function formatError(message: string, hint?: string): string {
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  return `mng: error: ${oneLine}${hint ? ` (${hint})` : ''}`;
}
