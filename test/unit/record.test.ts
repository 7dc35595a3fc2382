import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { legacyRecord, parseRecord, readRecord, writeRecord } from '../../lib/core/hosts/record.js';
import { entryRoute } from '../../lib/ssh/config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mng-unit-record-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const REC = {
  provider: 'docker',
  daemon: '',
  hostId: '0123456789abcdef',
  containerId: 'c'.repeat(64),
  ssh: { user: 'root', host: '127.0.0.1', port: 32768 },
};
const hostFile = (alias: string, file: string) => join(dir, 'hosts', alias, file);

/** An entry as mng wrote it before records had a file of their own: provider, daemon and host id in comments. */
const LEGACY = `# Written by mng for mng-old.
# mng provider: far
# mng daemon: tcp://10.0.0.7:2376
# mng host id: 00112233aabbccdd
Host mng-old
  HostName mng-old
  Port 22
  User root
  ProxyCommand env DOCKER_HOST=tcp://10.0.0.7:2376 docker exec -i mng-old /bin/sh -c 'exec sshd -i'
`;

describe('the host record (hosts/ALIAS/record.json)', () => {
  it('is written with the ssh entry made from it, and read back as written', async () => {
    await writeRecord(dir, 'mng-a', REC);
    expect(await readRecord(dir, 'mng-a')).toEqual(REC);
    expect(JSON.parse(readFileSync(hostFile('mng-a', 'record.json'), 'utf8'))).toEqual({ version: 1, ...REC });
    const entry = readFileSync(hostFile('mng-a', 'ssh_config'), 'utf8');
    expect(entryRoute(entry, 'mng-a')).toEqual(REC.ssh);
    expect(entry).not.toMatch(/# mng (provider|daemon|host id)/);
    expect(await readRecord(dir, 'mng-none')).toBeUndefined();
  });

  it('takes only a well-formed record; anything else is no record (the command looks the host up)', () => {
    expect(parseRecord(JSON.stringify(REC))).toEqual(REC);
    expect(parseRecord('{"provider": "docker"')).toBeUndefined();
    expect(parseRecord('null')).toBeUndefined();
    expect(parseRecord(JSON.stringify({ ...REC, provider: 3 }))).toBeUndefined();
    expect(parseRecord(JSON.stringify({ ...REC, ssh: { ...REC.ssh, port: '22' } }))).toBeUndefined();
    const { hostId: _h, containerId: _c, ...bare } = REC;
    expect(parseRecord(JSON.stringify(bare))).toEqual(bare);
  });

  it('checks what comes back from the file as what comes from Docker: values mng never writes are no record (H1)', () => {
    const bad = (over: object) => parseRecord(JSON.stringify({ ...REC, ...over }));
    const ssh = (over: object) => bad({ ssh: { ...REC.ssh, ...over } });
    expect(ssh({ user: '-oProxyCommand=touch /tmp/x' })).toBeUndefined();
    expect(ssh({ host: '127.0.0.1\n  ProxyCommand x' })).toBeUndefined();
    expect(ssh({ host: '-oProxyCommand=x' })).toBeUndefined();
    expect(ssh({ port: 0 })).toBeUndefined();
    expect(ssh({ port: 70000 })).toBeUndefined();
    expect(ssh({ proxyCommand: 'docker exec -i x sh\nLocalCommand y' })).toBeUndefined();
    expect(bad({ containerId: '../x' })).toBeUndefined();
    expect(bad({ hostId: 'x' })).toBeUndefined();
    expect(bad({ provider: 'a b' })).toBeUndefined();
    expect(ssh({ host: 'mng-a.far' })).toMatchObject({ ssh: { host: 'mng-a.far' } });
    expect(ssh({ host: '::1' })).toMatchObject({ ssh: { host: '::1' } });
  });

  it('migrates an entry written by an earlier mng once: record.json made, the entry rewritten without comments', async () => {
    mkdirSync(join(dir, 'hosts', 'mng-old'), { recursive: true });
    writeFileSync(hostFile('mng-old', 'ssh_config'), LEGACY);
    const want = {
      provider: 'far',
      daemon: 'tcp://10.0.0.7:2376',
      hostId: '00112233aabbccdd',
      ssh: {
        user: 'root',
        host: 'mng-old',
        port: 22,
        proxyCommand: "env DOCKER_HOST=tcp://10.0.0.7:2376 docker exec -i mng-old /bin/sh -c 'exec sshd -i'",
      },
    };
    expect(await readRecord(dir, 'mng-old')).toEqual(want);
    expect(JSON.parse(readFileSync(hostFile('mng-old', 'record.json'), 'utf8'))).toEqual({ version: 1, ...want });
    const entry = readFileSync(hostFile('mng-old', 'ssh_config'), 'utf8');
    expect(entry).not.toMatch(/# mng (provider|daemon|host id)/);
    expect(entryRoute(entry, 'mng-old')).toEqual(want.ssh);
    // From now on the record file is what is read: the entry's comments are gone, and an edit of the entry changes nothing.
    writeFileSync(hostFile('mng-old', 'ssh_config'), LEGACY.replace('# mng provider: far', '# mng provider: other'));
    expect((await readRecord(dir, 'mng-old'))?.provider).toBe('far');
  });

  it('an entry without those comments, or without a route, is no record', () => {
    expect(legacyRecord(LEGACY.replace(/^# mng provider: .*\n/m, ''), 'mng-old')).toBeUndefined();
    expect(legacyRecord(LEGACY.replace(/^ {2}Port 22\n/m, ''), 'mng-old')).toBeUndefined();
    expect(legacyRecord(LEGACY.replace(/^# mng host id: .*\n/m, ''), 'mng-old')).toEqual({
      provider: 'far',
      daemon: 'tcp://10.0.0.7:2376',
      ssh: expect.objectContaining({ host: 'mng-old', port: 22 }),
    });
  });

  it('fifty writers at once lose nothing and leave no temporary file', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `mng-h${i}`);
    await Promise.all(aliases.map((a, i) => writeRecord(dir, a, { ...REC, ssh: { ...REC.ssh, port: 2000 + i } })));
    for (const [i, a] of aliases.entries()) {
      expect(readdirSync(join(dir, 'hosts', a)).sort()).toEqual(['record.json', 'ssh_config']);
      expect((await readRecord(dir, a))?.ssh.port).toBe(2000 + i);
    }
    expect(existsSync(join(dir, 'ssh_config'))).toBe(true);
  });
});
