// `mng list --watch`: the table again every interval, until Ctrl-C. On a terminal it is redrawn in place (cursor home,
// each line cleared to its end, the rest of the screen cleared); otherwise each snapshot is printed in turn, after a
// blank line, so a log or a pipe gets plain text.

import { setTimeout as sleep } from 'node:timers/promises';

/** The escape sequences of one frame drawn over the last one. Pure. */
export function frame(text: string, first: boolean): string {
  const lines = text.split('\n').map((l) => `${l}\x1b[K`);
  return `${first ? '\x1b[2J' : ''}\x1b[H${lines.join('\n')}\n\x1b[J`;
}

/** Run `render` every `intervalSeconds` and show its text until `signal` aborts. */
export async function watchLoop(
  render: () => Promise<string>,
  opts: { intervalSeconds: number; tty: boolean; write: (s: string) => void; signal: AbortSignal },
): Promise<void> {
  let first = true;
  while (!opts.signal.aborted) {
    const text = await render();
    if (opts.signal.aborted) return;
    opts.write(opts.tty ? frame(text, first) : `${first ? '' : '\n'}${text}\n`);
    first = false;
    try {
      await sleep(opts.intervalSeconds * 1000, undefined, { signal: opts.signal });
    } catch {
      return;
    }
  }
}
