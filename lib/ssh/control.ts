import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MngError } from '../errors.js';

/**
 * A unix socket path must fit in sun_path: 104 bytes with its NUL on macOS, 108 on Linux. ssh's %C expands to 40 hex
 * digits, and a master first binds to that path plus a 17-character temporary suffix ('.' and 16 random characters).
 */
const SOCKET_PATH_MAX = 103;
const SOCKET_NAME_LENGTH = 1 + 40 + 17;
const fits = (dir: string) => dir.length + SOCKET_NAME_LENGTH <= SOCKET_PATH_MAX;

/**
 * The private folder of ssh's connection-sharing sockets: `<data dir>/sockets`, or, when that path is too long for a
 * socket, a folder named after the data directory under the temporary directory (under /tmp when even that is too
 * long, as macOS's per-user one is). Pure: nothing is created.
 */
export function controlDir(dataDir: string, uid: number = process.getuid?.() ?? 0, tmp: string = tmpdir()): string {
  const own = join(dataDir, 'sockets');
  if (fits(own)) return own;
  const name = `mng-${uid}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
  return fits(join(tmp, name)) ? join(tmp, name) : join('/tmp', name);
}

const ensured = new Map<string, Promise<string>>();

/**
 * Make the sockets folder (0700, ours only) and return ssh's ControlPath for it. Checked once per process: every ssh
 * call of a command asks for it.
 */
export function ensureControlPath(dataDir: string): Promise<string> {
  let path = ensured.get(dataDir);
  if (!path) {
    path = makeControlPath(dataDir);
    ensured.set(dataDir, path);
    path.catch(() => ensured.delete(dataDir));
  }
  return path;
}

async function makeControlPath(dataDir: string): Promise<string> {
  const dir = controlDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new MngError(`${dir} is not a folder of this user's, so mng will not put its ssh sockets there`, {
      hint: 'remove it, or set XDG_DATA_HOME to a shorter private path',
    });
  }
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return join(dir, '%C');
}

/** Does anything accept connections on this unix socket? */
function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/**
 * Sockets in the sockets folder that no ssh master answers on (one killed rather than closed leaves its socket
 * behind); removed unless `remove` is false. Returns their paths.
 */
export async function staleControlSockets(dataDir: string, opts: { remove: boolean }): Promise<string[]> {
  const dir = controlDir(dataDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isSocket() || (await answers(path))) continue;
    if (opts.remove) await rm(path, { force: true });
    stale.push(path);
  }
  return stale;
}
