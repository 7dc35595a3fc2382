/**
 * A small in-memory tar (POSIX ustar) of files and folders given as text: the build context of mng's prepared image.
 * Pure and deterministic (fixed owner and time), so the same files give the same bytes, and docker's layer cache and
 * mng's content hash agree. Paths are relative, `/`-separated, at most 100 bytes; folders end in `/`.
 */

export interface TarEntry {
  path: string;
  mode: number;
  /** a file's content (text or bytes); absent for a folder */
  content?: string | Uint8Array;
}

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(path: string, mode: number, size: number, type: '0' | '5'): Buffer {
  const name = Buffer.from(path, 'utf8');
  if (name.length > 100 || path.startsWith('/') || path.split('/').includes('..')) throw new Error(`tar: unusable path ${path}`);
  const h = Buffer.alloc(BLOCK, 0);
  name.copy(h, 0);
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii'); // mtime: fixed, for reproducible bytes
  h.write(' '.repeat(8), 148, 'ascii'); // checksum field counts as spaces while summing
  h.write(type, 156, 'ascii');
  h.write('ustar\0' + '00', 257, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** The tar of these entries, in the order given, with the two zero blocks that end an archive. */
export function tarOf(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.content === undefined) {
      parts.push(header(e.path.endsWith('/') ? e.path : `${e.path}/`, e.mode, 0, '5'));
      continue;
    }
    const data = typeof e.content === 'string' ? Buffer.from(e.content, 'utf8') : Buffer.from(e.content);
    parts.push(header(e.path, e.mode, data.length, '0'), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(parts);
}
