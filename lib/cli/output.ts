import { Chalk, type ChalkInstance } from 'chalk';
import { safeText } from '../safe-text.js';

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

/**
 * Every line mng prints goes through safeText (lib/safe-text.ts): what it says may quote a container or a daemon (a
 * name, a log line, docker's own words), and no such text reaches the terminal as control sequences. Colour and
 * style sequences pass only where mng itself colours (a terminal without NO_COLOR).
 */
export function makeOutput(opts: { quiet: boolean }): Output {
  const out = colorFor(process.stdout);
  const err = colorFor(process.stderr);
  const toOut = (text: string) => safeText(text, { sgr: out.level > 0 });
  const toErr = (text: string) => safeText(text, { sgr: err.level > 0 });
  return {
    out,
    err,
    result: (text) => process.stdout.write(toOut(text.endsWith('\n') ? text : text + '\n')),
    progress: (text) => {
      if (!opts.quiet) process.stderr.write(err.dim(toErr(text)) + '\n');
    },
    warn: (text) => process.stderr.write(`${err.yellow('mng: warning:')} ${toErr(text)}\n`),
    stream: (line) => {
      if (!opts.quiet) process.stderr.write(err.dim(`  | ${toErr(line)}`) + '\n');
    },
  };
}

/** The one-line error a user sees: `mng: error: <message> (<hint>)`, with any control characters made visible. */
export function formatError(message: string, hint?: string): string {
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  return safeText(`mng: error: ${oneLine}${hint ? ` (${hint.replace(/\s*\n\s*/g, ' ')})` : ''}`);
}
