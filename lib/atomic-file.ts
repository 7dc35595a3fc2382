import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomHex } from './random.js';

/**
 * Write a file so that a reader (or fifty sibling mng processes) sees the old text or the new one, never half of
 * either: a uniquely named temporary file beside it, then rename. `mode` is filtered by the umask, unless `exactMode`
 * (a file of the user's whose mode is kept as it was).
 */
export async function writeFileAtomic(
  file: string,
  text: string,
  mode: number = 0o644,
  opts: { exactMode?: boolean } = {},
): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomHex(8)}.tmp`;
  try {
    // `wx`: the temporary file is new, never one that was there (a link someone put in its place)
    await writeFile(tmp, text, { mode, flag: 'wx' });
    if (opts.exactMode) await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
