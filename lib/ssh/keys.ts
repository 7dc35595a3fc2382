import { chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Runner } from '../process/runner.js';
import { MngError } from '../errors.js';
import { clientKeyPath } from './config.js';

export interface KeyPair {
  privateKeyFile: string;
  publicKey: string;
}

const KEY_FILE = 'id_ed25519';

async function readPair(dir: string): Promise<KeyPair | undefined> {
  try {
    const publicKey = await readFile(join(dir, `${KEY_FILE}.pub`), 'utf8');
    return { privateKeyFile: join(dir, KEY_FILE), publicKey: publicKey.trim() };
  } catch {
    return undefined;
  }
}

/** The client key pair when it exists (nothing is made: `create --dry-run` shows the public key a create would use). */
export async function readClientKey(dataDir: string): Promise<KeyPair | undefined> {
  return readPair(dirname(clientKeyPath(dataDir)));
}

/**
 * The user's client key pair (`keys/client`, folder 0700, private key 0600), made once. It is generated in a
 * temporary folder and renamed into place, so mng processes racing never leave a mismatched pair. The private key
 * never leaves this machine; containers get the public key only.
 */
export async function ensureClientKey(runner: Runner, dataDir: string): Promise<KeyPair> {
  const dir = dirname(clientKeyPath(dataDir));
  const existing = await readPair(dir);
  if (existing) return existing;
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const tmp = await mkdtemp(join(parent, '.client-'));
  try {
    await runner.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mng client', '-f', join(tmp, KEY_FILE)], {
      check: true,
    });
    await chmod(join(tmp, KEY_FILE), 0o600);
    await chmod(tmp, 0o700);
    await rename(tmp, dir).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const pair = await readPair(dir);
  if (!pair) throw new MngError(`could not create the ssh key pair in ${dir}`);
  return pair;
}
