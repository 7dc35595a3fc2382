import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PROVIDER,
  loadConfig,
  parseConfig,
  PROVIDER_DEFAULTS,
  resolveProvider,
  type Config,
} from '../../lib/config/config.js';
import { MngError } from '../../lib/errors.js';

const FILE = '/home/jo/.config/mng/config.toml';

const DEFAULT_DOCKER = {
  name: 'docker',
  backend: 'docker',
  host: '',
  default_image: 'debian:bookworm-slim',
  default_start_args: [],
  default_idle_timeout: 800,
  default_egress: 'open',
};

/** The MngError message parseConfig throws for this text. */
function errorOf(text: string): string {
  try {
    parseConfig(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(MngError);
    expect((e as MngError).exitCode).toBe(1);
    return (e as Error).message;
  }
  throw new Error('expected parseConfig to throw');
}

const section = (body: string, name = 'docker') => `[providers.${name}]\nbackend = "docker"\n${body}\n`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mng-unit-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('defaults', () => {
  it('PROVIDER_DEFAULTS and the default provider name', () => {
    expect(DEFAULT_PROVIDER).toBe('docker');
    expect(PROVIDER_DEFAULTS).toEqual({
      backend: 'docker',
      host: '',
      default_image: 'debian:bookworm-slim',
      default_start_args: [],
      default_idle_timeout: 800,
      default_egress: 'open',
    });
  });

  it('loadConfig with no file gives one docker provider on the local daemon', async () => {
    const path = join(dir, 'missing', 'config.toml');
    const config = await loadConfig({ MNG_CONFIG: path });
    expect(config).toEqual({ path, exists: false, providers: { docker: DEFAULT_DOCKER } });
  });

  it('loadConfig finds the file through XDG_CONFIG_HOME', async () => {
    const xdg = join(dir, 'xdg');
    mkdirSync(join(xdg, 'mng'), { recursive: true });
    writeFileSync(join(xdg, 'mng', 'config.toml'), section('default_image = "alpine:3"'));
    const config = await loadConfig({ XDG_CONFIG_HOME: xdg, HOME: '/nonexistent' });
    expect(config.path).toBe(join(xdg, 'mng', 'config.toml'));
    expect(config.exists).toBe(true);
    expect(config.providers.docker.default_image).toBe('alpine:3');
  });

  it('an empty file means the defaults', () => {
    expect(parseConfig('', FILE)).toEqual({ path: FILE, exists: true, providers: { docker: DEFAULT_DOCKER } });
    expect(parseConfig('# only a comment\n\n', FILE).providers).toEqual({ docker: DEFAULT_DOCKER });
  });

  it('each parse gets its own default_start_args array', () => {
    const a = parseConfig('', FILE);
    a.providers.docker.default_start_args.push('--cpus=2');
    expect(parseConfig('', FILE).providers.docker.default_start_args).toEqual([]);
    expect(PROVIDER_DEFAULTS.default_start_args).toEqual([]);
    const b = parseConfig(section(''), FILE);
    b.providers.docker.default_start_args.push('x');
    expect(parseConfig(section(''), FILE).providers.docker.default_start_args).toEqual([]);
  });
});

describe('every key is honoured', () => {
  it('reads all keys of several provider sections', async () => {
    const text = `
[providers.docker]
backend = "docker"
host = "ssh://me@build-server"
default_image = "ubuntu:24.04"
default_start_args = ["--cpus=4", "-e", "A=b c"]
default_idle_timeout = "15m"

[providers.remote]
backend = "docker"
host = "tcp://10.0.0.7:2376"
default_idle_timeout = 0

[providers.local_2]
backend = "docker"
host = "unix:///run/user/1000/docker.sock"
default_idle_timeout = 3600
`;
    const path = join(dir, 'full.toml');
    writeFileSync(path, text);
    const config = await loadConfig({ MNG_CONFIG: path });
    expect(config).toEqual({
      path,
      exists: true,
      providers: {
        docker: {
          name: 'docker',
          backend: 'docker',
          host: 'ssh://me@build-server',
          default_image: 'ubuntu:24.04',
          default_start_args: ['--cpus=4', '-e', 'A=b c'],
          default_idle_timeout: 900,
          default_egress: 'open',
        },
        remote: {
          name: 'remote',
          backend: 'docker',
          host: 'tcp://10.0.0.7:2376',
          default_image: 'debian:bookworm-slim',
          default_start_args: [],
          default_idle_timeout: 0,
          default_egress: 'open',
        },
        local_2: {
          name: 'local_2',
          backend: 'docker',
          host: 'unix:///run/user/1000/docker.sock',
          default_image: 'debian:bookworm-slim',
          default_start_args: [],
          default_idle_timeout: 3600,
          default_egress: 'open',
        },
      },
    });
  });

  it('adds the default docker provider when only others are configured', () => {
    const config = parseConfig(section('host = "tcp://h:2375"', 'remote'), FILE);
    expect(Object.keys(config.providers).sort()).toEqual(['docker', 'remote']);
    expect(config.providers.docker).toEqual(DEFAULT_DOCKER);
  });

  it.each([
    ['""', ''],
    ['"unix:///var/run/docker.sock"', 'unix:///var/run/docker.sock'],
    ['"tcp://127.0.0.1:2375"', 'tcp://127.0.0.1:2375'],
    ['"ssh://user@host"', 'ssh://user@host'],
    ['"npipe:////./pipe/docker_engine"', 'npipe:////./pipe/docker_engine'],
    ['"tcp://"', undefined],
  ])('host = %s', (value, expected) => {
    if (expected === undefined) {
      expect(errorOf(section(`host = ${value}`))).toMatch(/is not a Docker host URL/);
    } else {
      expect(parseConfig(section(`host = ${value}`), FILE).providers.docker.host).toBe(expected);
    }
  });

  it.each([
    ['800', 800],
    ['"30s"', 30],
    ['"2h"', 7200],
    ['0', 0],
    ['"disabled"', 0],
  ])('default_idle_timeout = %s', (value, seconds) => {
    expect(parseConfig(section(`default_idle_timeout = ${value}`), FILE).providers.docker.default_idle_timeout).toBe(
      seconds,
    );
  });
});

describe('errors name the file, the section and the key', () => {
  it('TOML syntax error with line:column', () => {
    const msg = errorOf('[providers.docker]\nbackend = "docker"\nhost = "unterminated\n');
    expect(msg).toMatch(new RegExp(`^${FILE.replace(/\./g, '\\.')}:3:\\d+: TOML syntax error: `));
    expect(msg).not.toContain('\n');
  });

  it('TOML syntax error on the first line', () => {
    expect(errorOf('[providers.docker\n')).toMatch(
      new RegExp(`^${FILE.replace(/\./g, '\\.')}:1:\\d+: TOML syntax error: \\S`),
    );
  });

  it('unknown key in a provider section lists the valid keys', () => {
    expect(errorOf(section('hots = ""'))).toBe(
      `${FILE}: [providers.docker]: unknown key 'hots' (valid keys: backend, host, default_image, default_start_args, default_idle_timeout, default_egress)`,
    );
  });

  it('unknown top-level key', () => {
    expect(errorOf('default_image = "x"\n')).toBe(
      `${FILE}: unknown key 'default_image' (valid top-level keys: providers, agents)`,
    );
  });

  it('missing backend in a section not named after a backend', () => {
    expect(errorOf('[providers.remote]\nhost = ""\n')).toBe(
      `${FILE}: [providers.remote]: missing key 'backend' (set backend = "docker"; only a section named after a backend may leave it out)`,
    );
  });

  it('backend defaults to the section name, as in the Python mng', () => {
    const c = parseConfig('[providers.docker]\ndefault_image = "x:1"\n', FILE);
    expect(c.providers.docker).toMatchObject({ name: 'docker', backend: 'docker', default_image: 'x:1' });
  });

  it('unknown backend', () => {
    expect(errorOf('[providers.pod]\nbackend = "podman"\n')).toBe(
      `${FILE}: [providers.pod] backend: unknown backend 'podman' (known: docker)`,
    );
  });

  it('bad host URL', () => {
    expect(errorOf(section('host = "localhost:2375"'))).toBe(
      `${FILE}: [providers.docker] host: 'localhost:2375' is not a Docker host URL (use "", unix://PATH, tcp://HOST:PORT or ssh://USER@HOST)`,
    );
    expect(errorOf(section('host = "http://h:2375"'))).toMatch(
      /\[providers\.docker\] host: 'http:\/\/h:2375' is not a Docker host URL/,
    );
  });

  it('bad idle timeout', () => {
    const prefix = `${FILE}: [providers.docker] default_idle_timeout: expected seconds or a duration like "15m", "2h", 0 or "disabled", got `;
    expect(errorOf(section('default_idle_timeout = "5 minutes"'))).toBe(`${prefix}"5 minutes"`);
    expect(errorOf(section('default_idle_timeout = -1'))).toBe(`${prefix}-1`);
    expect(errorOf(section('default_idle_timeout = 1.5'))).toBe(`${prefix}1.5`);
    expect(errorOf(section('default_idle_timeout = true'))).toBe(`${prefix}true`);
  });

  it.each([
    ['backend = 3', 'backend: expected a string, got a number'],
    ['host = false', 'host: expected a string, got a boolean'],
    ['default_image = ["a"]', 'default_image: expected a string, got an array'],
    ['default_image = { a = 1 }', 'default_image: expected a string, got a table'],
    ['default_image = 1979-05-27', 'default_image: expected a string, got a date'],
    ['default_start_args = "--cpus=2"', 'default_start_args: expected an array of strings, got a string'],
    ['default_start_args = ["--cpus=2", 4]', 'default_start_args: expected an array of strings, got an array'],
  ])('wrong type: %s', (line, message) => {
    const body = line.startsWith('backend') ? `[providers.docker]\n${line}\n` : section(line);
    expect(errorOf(body)).toBe(`${FILE}: [providers.docker] ${message}`);
  });

  it('empty default_image', () => {
    expect(errorOf(section('default_image = "  "'))).toBe(
      `${FILE}: [providers.docker] default_image: must not be empty`,
    );
  });

  it('a default_image docker would read as an option (L12)', () => {
    expect(errorOf(section('default_image = "--privileged"'))).toBe(
      `${FILE}: [providers.docker] default_image: '--privileged' is not an image reference`,
    );
  });

  it('providers that are not tables', () => {
    expect(errorOf('providers = 3\n')).toBe(`${FILE}: providers: expected a table, got a number`);
    expect(errorOf('[providers]\ndocker = "x"\n')).toBe(`${FILE}: [providers.docker]: expected a table, got a string`);
  });

  it('bad provider names', () => {
    expect(errorOf('[providers."a b"]\nbackend = "docker"\n')).toBe(
      `${FILE}: [providers.a b]: provider names use letters, digits, '-' and '_' (at most 63)`,
    );
    expect(errorOf('[providers."-x"]\nbackend = "docker"\n')).toMatch(/\[providers\.-x\]: provider names/);
  });

  it('loadConfig reports the file path for TOML errors', async () => {
    const path = join(dir, 'broken.toml');
    writeFileSync(path, '[providers.docker]\nbackend = docker\n');
    await expect(loadConfig({ MNG_CONFIG: path })).rejects.toThrow(
      new RegExp(`^${path.replace(/\./g, '\\.')}:2:\\d+: TOML syntax error`),
    );
  });

  it('loadConfig reports a config path it cannot read', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path, { recursive: true });
    await expect(loadConfig({ MNG_CONFIG: path })).rejects.toThrow(`cannot read config file ${path}: `);
  });
});

describe('resolveProvider', () => {
  const config: Config = parseConfig(section('host = "tcp://h:1"', 'remote'), FILE);

  it('returns the named provider', () => {
    expect(resolveProvider(config, 'remote')).toMatchObject({ name: 'remote', host: 'tcp://h:1' });
    expect(resolveProvider(config, 'docker')).toEqual(DEFAULT_DOCKER);
  });

  it('names the unknown provider, the configured ones and the file to edit', () => {
    expect(() => resolveProvider(config, 'cloud')).toThrow(MngError);
    expect(() => resolveProvider(config, 'cloud')).toThrow(
      `unknown provider 'cloud' (configured: remote, docker; add a [providers.cloud] section to ${FILE})`,
    );
  });
});
