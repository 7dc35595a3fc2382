/**
 * Text that came from a container or a daemon (a pane's lines, a diff, a log line in an error, a label) is printed
 * through safeText: terminal control characters become visible escapes (`\x1b`, `\x07`, `\u202e`), so no such text
 * can move the cursor, erase lines, set the window title, write the clipboard (OSC 52), or reorder what a reader sees
 * (bidirectional overrides). Tabs and newlines stay; a carriage return stays only before a newline (CRLF). With
 * `sgr`, colour and style sequences (`ESC [ … m`, what chalk and `git diff --color` print) pass as they are: they
 * change colours, never text. Pure.
 */

// C0 controls but tab and newline, DEL, C1 controls (8-bit CSI, OSC...), and Unicode's bidirectional formatting
// characters and line/paragraph separators.
const CONTROLS = '[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]';
const CONTROL_ALL = new RegExp(CONTROLS, 'g');
const CONTROL = new RegExp(CONTROLS);
/** An SGR sequence: ESC [ parameters m. */
const SGR = /\u001b\[[0-9;:]*m/y;

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function safeText(text: string, opts: { sgr?: boolean } = {}): string {
  return text.replace(CONTROL_ALL, (c, offset: number) => {
    if (c === '\r' && text[offset + 1] === '\n') return c;
    if (c === '\u001b' && opts.sgr) {
      SGR.lastIndex = offset;
      if (SGR.test(text)) return c;
    }
    return visible(c);
  });
}

/** Does the text hold anything safeText would change (a label value mng never writes so)? */
export function hasControl(text: string): boolean {
  return CONTROL.test(text);
}
