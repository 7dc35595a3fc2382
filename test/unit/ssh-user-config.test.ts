import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addInclude,
  editUserSshConfig,
  includeLine,
  removeInclude,
  UserConfigRefused,
} from '../../lib/ssh/user-config.js';

const MNG = '/home/u/.local/share/mng/ssh_config';
const EXISTING =
  '# my hosts\nHost work\n    HostName work.example.com   # a comment ssh-config would reflow\n\tUser me\n\nHost *\n  ServerAliveInterval 30\n';

describe('includeLine', () => {
  it('is one Include directive, quoted when the path has spaces', () => {
    expect(includeLine(MNG)).toBe(`Include ${MNG}`);
    expect(includeLine('/Users/A B/mng/ssh_config')).toBe('Include "/Users/A B/mng/ssh_config"');
  });
});

describe('addInclude', () => {
  it('puts the line first and keeps the rest byte for byte', () => {
    const r = addInclude(EXISTING, MNG);
    expect(r).toEqual({ status: 'changed', text: `Include ${MNG}\n${EXISTING}` });
  });
  it('changes nothing when the line is there already (anywhere at top level)', () => {
    expect(addInclude(`Include ${MNG}\n${EXISTING}`, MNG)).toEqual({ status: 'unchanged' });
    expect(addInclude(`Include /other ${MNG}\n`, MNG)).toEqual({ status: 'unchanged' });
  });
  it('works on an empty file and on a file without a final newline', () => {
    expect(addInclude('', MNG)).toEqual({ status: 'changed', text: `Include ${MNG}\n` });
    expect(addInclude('Host x\n  Port 2', MNG)).toEqual({
      status: 'changed',
      text: `Include ${MNG}\nHost x\n  Port 2`,
    });
  });
  it('refuses a file that includes mng only inside a Host block', () => {
    const r = addInclude(`Host x\n  Include ${MNG}\n`, MNG);
    expect(r.status).toBe('unusual');
  });
});

describe('removeInclude', () => {
  it('removes exactly the line it added', () => {
    expect(removeInclude(`Include ${MNG}\n${EXISTING}`, MNG)).toEqual({ status: 'changed', text: EXISTING });
  });
  it('leaves other Include lines and files without the line alone', () => {
    expect(removeInclude(`Include /etc/other\n${EXISTING}`, MNG)).toEqual({ status: 'unchanged' });
    expect(removeInclude(EXISTING, MNG)).toEqual({ status: 'unchanged' });
  });
  it('round-trips with addInclude', () => {
    const added = addInclude(EXISTING, MNG);
    if (added.status !== 'changed') throw new Error('not added');
    expect(removeInclude(added.text, MNG)).toEqual({ status: 'changed', text: EXISTING });
  });
});

describe('editUserSshConfig (on a temporary ~/.ssh)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mng-unit-usercfg-'));
    file = join(dir, '.ssh', 'config');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a missing file with mode 0600 (and ~/.ssh with 0700)', async () => {
    expect(await editUserSshConfig('install', MNG, file)).toEqual({ status: 'added', file });
    expect(readFileSync(file, 'utf8')).toBe(`Include ${MNG}\n`);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(lstatSync(join(dir, '.ssh')).mode & 0o777).toBe(0o700);
  });

  it('adds the line, keeps a backup and the mode; a second install and uninstall behave', async () => {
    mkdirSync(join(dir, '.ssh'));
    writeFileSync(file, EXISTING, { mode: 0o640 });
    chmodSync(file, 0o640);
    const r = await editUserSshConfig('install', MNG, file);
    expect(r).toEqual({ status: 'added', file, backup: `${file}.mng-backup` });
    expect(readFileSync(file, 'utf8')).toBe(`Include ${MNG}\n${EXISTING}`);
    expect(readFileSync(`${file}.mng-backup`, 'utf8')).toBe(EXISTING);
    expect(lstatSync(file).mode & 0o777).toBe(0o640);
    expect(await editUserSshConfig('install', MNG, file)).toEqual({ status: 'unchanged', file });
    expect(readFileSync(file, 'utf8')).toBe(`Include ${MNG}\n${EXISTING}`);
    expect((await editUserSshConfig('uninstall', MNG, file)).status).toBe('removed');
    expect(readFileSync(file, 'utf8')).toBe(EXISTING);
    expect(await editUserSshConfig('uninstall', MNG, file)).toEqual({ status: 'unchanged', file });
  });

  it('keeps the first backup: a later edit never overwrites the original it holds (L12)', async () => {
    mkdirSync(join(dir, '.ssh'));
    writeFileSync(file, EXISTING, { mode: 0o600 });
    await editUserSshConfig('install', MNG, file);
    writeFileSync(file, `Include ${MNG}\nHost later\n`);
    await editUserSshConfig('uninstall', MNG, file);
    expect(readFileSync(file, 'utf8')).toBe('Host later\n');
    expect(readFileSync(`${file}.mng-backup`, 'utf8')).toBe(EXISTING);
  });

  it('uninstall without a file changes nothing and creates nothing', async () => {
    expect(await editUserSshConfig('uninstall', MNG, file)).toEqual({ status: 'unchanged', file });
    expect(existsSync(file)).toBe(false);
  });

  it('leaves a symlink and a read-only file alone', async () => {
    mkdirSync(join(dir, '.ssh'));
    writeFileSync(join(dir, 'real'), EXISTING);
    symlinkSync(join(dir, 'real'), file);
    await expect(editUserSshConfig('install', MNG, file)).rejects.toThrow(UserConfigRefused);
    expect(readFileSync(join(dir, 'real'), 'utf8')).toBe(EXISTING);
    rmSync(file);
    writeFileSync(file, EXISTING, { mode: 0o444 });
    chmodSync(file, 0o444);
    await expect(editUserSshConfig('install', MNG, file)).rejects.toThrow(/read-only/);
    expect(readFileSync(file, 'utf8')).toBe(EXISTING);
    expect(existsSync(`${file}.mng-backup`)).toBe(false);
  });
});
