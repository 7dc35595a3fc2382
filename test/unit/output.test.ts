import { describe, expect, it } from 'vitest';
import { colorFor, formatError } from '../../lib/cli/output.js';

const tty = { isTTY: true } as unknown as NodeJS.WriteStream;
const pipe = { isTTY: false } as unknown as NodeJS.WriteStream;
const noTtyField = {} as unknown as NodeJS.WriteStream;

describe('formatError', () => {
  it('prefixes "mng: error:"', () => {
    expect(formatError("no agent named 'x'")).toBe("mng: error: no agent named 'x'");
  });

  it('adds the hint in parentheses', () => {
    expect(formatError("no agent named 'x'", 'mng list shows the agents')).toBe(
      "mng: error: no agent named 'x' (mng list shows the agents)",
    );
  });

  it('an empty hint adds nothing', () => {
    expect(formatError('boom', '')).toBe('mng: error: boom');
  });

  it('folds a multi-line message into one line', () => {
    const out = formatError('docker build failed:\n  step 3/5\n\n  apt-get: exit 100\n', 'see above');
    expect(out).toBe('mng: error: docker build failed: step 3/5 apt-get: exit 100 (see above)');
    expect(out).not.toContain('\n');
  });

  it('handles CRLF line ends too', () => {
    expect(formatError('a\r\nb')).toBe('mng: error: a b');
  });
});

describe('colorFor', () => {
  it('colours a terminal', () => {
    expect(colorFor(tty, {}).level).toBe(1);
    expect(colorFor(tty, { TERM: 'xterm-256color' }).level).toBe(1);
  });

  it('no colour with NO_COLOR set to anything non-empty', () => {
    expect(colorFor(tty, { NO_COLOR: '1' }).level).toBe(0);
    expect(colorFor(tty, { NO_COLOR: 'false' }).level).toBe(0);
  });

  it('an empty NO_COLOR does not count (no-color.org)', () => {
    expect(colorFor(tty, { NO_COLOR: '' }).level).toBe(1);
  });

  it('no colour on a pipe or file', () => {
    expect(colorFor(pipe, {}).level).toBe(0);
    expect(colorFor(noTtyField, {}).level).toBe(0);
  });

  it('no colour on a dumb terminal', () => {
    expect(colorFor(tty, { TERM: 'dumb' }).level).toBe(0);
  });

  it('level 0 really prints plain text', () => {
    expect(colorFor(pipe, {}).red('x')).toBe('x');
    expect(colorFor(tty, {}).red('x')).toBe('\u001b[31mx\u001b[39m');
  });
});
