// How the one runner (runner.ts) feeds a child and reads it: a stream piped into its stdin, its stdout into a file
// (with a byte limit), and its output line by line.

import { createWriteStream } from 'node:fs';
import type { execa } from 'execa';
import { Readable, type Writable } from 'node:stream';

/** Any stream with pipe() (Node's, or minipass's as node-tar makes): piped into the child's stdin. */
export interface PipeSource {
  pipe(dest: Writable): unknown;
  on?(event: 'error', listener: (e: unknown) => void): unknown;
}

export function isPipeSource(input: unknown): input is PipeSource {
  return (
    typeof input === 'object' &&
    input !== null &&
    !(input instanceof Readable) &&
    !(input instanceof Uint8Array) &&
    typeof (input as PipeSource).pipe === 'function'
  );
}

export type Child = ReturnType<typeof execa>;

/**
 * The child's stdout into `file`, at most `maxBytes` of it: more kills the child and ends the file there. Resolves
 * once the file is written (or the write failed).
 */
export function toFile(
  child: Child,
  file: string,
  maxBytes = Infinity,
): Promise<{ overLimit: boolean; error?: Error }> {
  const stdout = child.stdout;
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  let count = 0;
  let overLimit = false;
  return new Promise((resolve) => {
    out.on('error', (error) => {
      child.kill();
      resolve({ overLimit, error });
    });
    out.on('close', () => resolve({ overLimit }));
    if (!stdout) return out.end();
    stdout.on('data', (chunk: Buffer) => {
      count += chunk.length;
      if (count > maxBytes) {
        overLimit = true;
        stdout.removeAllListeners('data');
        stdout.destroy();
        child.kill('SIGKILL');
        out.end();
        return;
      }
      if (!out.write(chunk)) {
        stdout.pause();
        out.once('drain', () => stdout.resume());
      }
    });
    stdout.on('end', () => out.end());
    stdout.on('error', () => out.end());
  });
}

/** A stream source piped into the child's stdin; `error` is set when the source failed half-way. */
export function pipeInput(child: Child, input: unknown): { error?: Error } {
  const state: { error?: Error } = {};
  if (!isPipeSource(input) || !child.stdin) return state;
  const stdin = child.stdin;
  // The child may exit before reading everything (a failed docker cp): its exit code says why, not EPIPE.
  stdin.on('error', () => {});
  // A source that fails half-way ends the child's stdin, so the child sees a cut stream instead of waiting forever.
  input.on?.('error', (e) => {
    state.error = e instanceof Error ? e : new Error(String(e));
    stdin.destroy();
  });
  input.pipe(stdin);
  return state;
}

/** Call `onLine` with each line of the child's stdout and stderr as it arrives. */
export function forEachLine(child: Child, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => buf && onLine(buf));
  }
}
