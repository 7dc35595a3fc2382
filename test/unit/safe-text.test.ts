import { describe, expect, it } from 'vitest';
import { formatError } from '../../lib/cli/output.js';
import { hasControl, safeText } from '../../lib/safe-text.js';

describe('safeText: what a container printed reaches the terminal as text', () => {
  it('leaves plain text, tabs, newlines and CRLF line ends alone', () => {
    expect(safeText('a\tb\nc d\r\n')).toBe('a\tb\nc d\r\n');
    expect(safeText('ünïcödé ✓ 日本')).toBe('ünïcödé ✓ 日本');
  });

  it('makes escape sequences visible: erase line, cursor up, window title, OSC 52 clipboard', () => {
    expect(safeText('ok\u001b[1A\u001b[2Khidden')).toBe('ok\\x1b[1A\\x1b[2Khidden');
    expect(safeText('\u001b]0;pwned\u0007')).toBe('\\x1b]0;pwned\\x07');
    expect(safeText('\u001b]52;c;ZWNobyBoaQ==\u001b\\')).toBe('\\x1b]52;c;ZWNobyBoaQ==\\x1b\\');
  });

  it('makes C1 controls (8-bit CSI and OSC), backspace, DEL and a lone carriage return visible', () => {
    expect(safeText('\u009b2K\u009d0;t\u0007')).toBe('\\x9b2K\\x9d0;t\\x07');
    expect(safeText('secret\rnothing')).toBe('secret\\x0dnothing');
    expect(safeText('ab\bc\u007f')).toBe('ab\\x08c\\x7f');
  });

  it('makes bidirectional overrides visible (text that reads otherwise than it is)', () => {
    expect(safeText('if (a\u202e} \u2066x')).toBe('if (a\\u202e} \\u2066x');
  });

  it('with sgr, lets colour sequences through, and nothing else', () => {
    const coloured = '\u001b[32m+added\u001b[m \u001b[1;31mred\u001b[0m';
    expect(safeText(coloured, { sgr: true })).toBe(coloured);
    expect(safeText('\u001b[32mx\u001b[2K', { sgr: true })).toBe('\u001b[32mx\\x1b[2K');
    expect(safeText('\u001b[32mx')).toBe('\\x1b[32mx');
  });

  it('hasControl says whether anything would be changed', () => {
    expect(hasControl('plain text\twith tab\nand newline')).toBe(false);
    expect(hasControl('\u001b[2J')).toBe(true);
    expect(hasControl('a\u202eb')).toBe(true);
  });

  it('formatError: an error line quoting a container is one line of text', () => {
    const line = formatError("agent 'x' has no terminal session: \u001b]0;title\u0007gone\u001b[2K", 'h\u001b[1A');
    expect(line).toBe("mng: error: agent 'x' has no terminal session: \\x1b]0;title\\x07gone\\x1b[2K (h\\x1b[1A)");
  });
});
