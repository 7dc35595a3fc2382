#!/usr/bin/env node
// mng's benchmark: each case times mng next to raw docker/ssh doing the same work, interleaved in the same
// run, and reports medians and the ratio mng/raw. This machine is noisy: read the ratios, not the seconds.
//
//   npm run bench                 # all cases, 5 rounds each
//   npm run bench -- create 9     # one case, 9 rounds
//   npm run bench -- stop 5       # also: start, snapshot, exec, list, version, repo
//
// Needs the build (npm run build) and a Docker daemon with the base image (scripts/testbed.sh).
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

const root = resolve(import.meta.dirname, '..');
const image = process.env.MNG_BENCH_IMAGE ?? 'debian:bookworm-slim';
const id = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'mngbench-'));
const prefix = `mngbench-${id}-`;
const env = {
  ...process.env,
  HOME: join(dir, 'home'),
  XDG_DATA_HOME: join(dir, 'data'),
  XDG_CONFIG_HOME: join(dir, 'config'),
  MNG_PREFIX: prefix,
  NO_COLOR: '1',
};
mkdirSync(join(dir, 'config', 'mng'), { recursive: true });
mkdirSync(env.HOME, { recursive: true });
writeFileSync(join(dir, 'config', 'mng', 'config.toml'), `[providers.docker]\nbackend = "docker"\ndefault_image = "${image}"\n`);

export async function mng(...args) {
  const r = await execa('node', [join(root, 'bin/mng.js'), ...args], { env, reject: false });
  if (r.exitCode !== 0) throw new Error(`mng ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
export async function docker(...args) {
  const r = await execa('docker', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const keyDir = join(env.XDG_DATA_HOME, 'mng', 'keys', 'client');
function rawSshArgs(port) {
  return ['-F', '/dev/null', '-i', join(keyDir, 'id_ed25519'), '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-p', String(port), 'root@127.0.0.1'];
}
/** Poll `ssh true` until it succeeds, as a hand-written script would. */
async function sshUntilUp(port) {
  for (let i = 0; i < 600; i++) {
    const r = await execa('ssh', [...rawSshArgs(port), 'true'], { reject: false });
    if (r.exitCode === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('raw sshd never answered');
}
let preparedImage;
let counter = 0;
const next = (what) => `${what}${++counter}`;

/** A hand-written `docker run` of the same prepared image with sshd and the same client key, then the first `ssh true`. */
async function rawRun(name) {
  const pub = readFileSync(join(keyDir, 'id_ed25519.pub'), 'utf8').trim();
  const script = `mkdir -p /run/sshd /root/.ssh && echo '${pub}' > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys && exec /usr/sbin/sshd -D -e`;
  await docker('run', '-d', '--init', '--name', `${prefix}${name}`, '-p', '127.0.0.1::22', '--entrypoint', '/bin/sh', preparedImage, '-c', script);
  const port = (await docker('port', `${prefix}${name}`, '22/tcp')).split('\n')[0].split(':').pop();
  await sshUntilUp(port);
  return port;
}

/** Wait until a raw container's sshd answers again after a start: the published port may have changed. */
async function rawSshUp(name) {
  const port = (await docker('port', `${prefix}${name}`, '22/tcp')).split('\n')[0].split(':').pop();
  await sshUntilUp(port);
}
const rawImageRepo = `mngbench-raw-${id}`;

/**
 * Cases: each has mng() and raw() doing the same user-visible work; setup and the optional per-round
 * beforeMng()/beforeRaw() (putting the host back in the state the timed step needs) are not timed.
 */
export const cases = {
  create: {
    what: 'second create (image prepared) vs docker run + first ssh true',
    mng: async () => { await mng('create', next('c'), '--no-connect', '-q'); },
    raw: async () => { await rawRun(next('r')); },
  },
  exec: {
    what: 'mng exec NAME -- true vs ssh HOST true',
    setup: async (s) => { await mng('create', 'execbench', '--no-connect', '-q'); s.port = JSON.parse(await mng('list', '--format', 'json')).agents.find((a) => a.name === 'execbench').ssh.port; },
    mng: async () => { await mng('exec', 'execbench', '--', 'true'); },
    raw: async (s) => { await execa('ssh', [...rawSshArgs(s.port), 'true']); },
  },
  list: {
    what: 'mng list --format json (few hosts) vs docker ps -a',
    mng: async () => { await mng('list', '--format', 'json'); },
    raw: async () => { await docker('ps', '-a', '--filter', `name=${prefix}`); },
  },
  stop: {
    what: 'mng stop NAME vs docker stop (both: sshd under docker-init)',
    setup: async () => { await mng('create', 'stopbench', '--no-connect', '-q'); await rawRun('rawstop'); },
    beforeMng: async () => { await mng('start', 'stopbench', '-q'); },
    mng: async () => { await mng('stop', 'stopbench', '-q'); },
    beforeRaw: async () => { await docker('start', `${prefix}rawstop`); await rawSshUp('rawstop'); },
    raw: async () => { await docker('stop', `${prefix}rawstop`); },
  },
  start: {
    what: 'mng start NAME vs docker start + docker port + first ssh true',
    setup: async () => { await mng('create', 'startbench', '--no-connect', '-q'); await rawRun('rawstart'); },
    beforeMng: async () => { await mng('stop', 'startbench', '-q'); },
    mng: async () => { await mng('start', 'startbench', '-q'); },
    beforeRaw: async () => { await docker('stop', `${prefix}rawstart`); },
    raw: async () => { await docker('start', `${prefix}rawstart`); await rawSshUp('rawstart'); },
  },
  snapshot: {
    what: 'mng snapshot create NAME vs docker commit (running hosts)',
    setup: async () => { await mng('create', 'snapbench', '--no-connect', '-q'); await rawRun('rawsnap'); },
    mng: async () => { await mng('snapshot', 'create', 'snapbench', '-q'); },
    raw: async () => { await docker('commit', `${prefix}rawsnap`, `${rawImageRepo}:${next('s')}`); },
  },
  repo: {
    what: 'create --from a 50 MB repo: its copy step (tar stream into docker cp -) vs docker cp of the folder into a created container',
    setup: async (s) => {
      // A repository with ~50 MB of random (incompressible) files committed, plus an uncommitted change.
      s.repo = join(dir, 'repo50');
      mkdirSync(s.repo, { recursive: true });
      const git = (...a) => execa('git', ['-C', s.repo, '-c', 'user.name=b', '-c', 'user.email=b@e', ...a]);
      await git('init', '-q');
      for (let i = 0; i < 50; i++) writeFileSync(join(s.repo, `blob${i}.bin`), randomBytes(1024 * 1024));
      await git('add', '-A');
      await git('commit', '-qm', 'fifty megabytes');
      writeFileSync(join(s.repo, 'blob0.bin'), randomBytes(1024 * 1024));
      s.totals = [];
    },
    // The time of mng's copy step, as -v reports it; the whole create is reported beside it.
    mng: async (s) => {
      const t = performance.now();
      const r = await execa('node', [join(root, 'bin/mng.js'), 'create', next('g'), '--from', s.repo, '--no-connect', '-v'], { env, reject: false });
      if (r.exitCode !== 0) throw new Error(`mng create --from: ${r.stderr}`);
      s.totals.push(performance.now() - t);
      const lines = r.stderr.split('\n');
      const i = lines.findIndex((l) => /^\+ docker cp - \S+:\/$/.test(l.trim()));
      const ms = /after (\d+) ms/.exec(lines.slice(i + 1).find((l) => /\(docker exit/.test(l)) ?? '');
      if (i < 0 || !ms) throw new Error('no timing of the copy step in mng -v output');
      process.stderr.write(`  create --from total ${(performance.now() - t).toFixed(0)} ms, copy ${ms[1]} ms\n`);
      return Number(ms[1]);
    },
    beforeRaw: async (s) => { s.raw = `${prefix}${next('rawcp')}`; await docker('create', '--name', s.raw, preparedImage); },
    raw: async (s) => { await docker('cp', `${s.repo}/.`, `${s.raw}:/workspace`); },
  },
  version: {
    what: 'mng --version (cold start) vs docker --version',
    mng: async () => { await mng('--version'); },
    raw: async () => { await docker('--version'); },
  },
};

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
/** How long fn took; a case may return its own measure (ms) of the step it compares. */
async function time(fn, state) { const t = performance.now(); const own = await fn(state); return typeof own === 'number' ? own : performance.now() - t; }

async function main() {
  const [only, roundsArg] = process.argv.slice(2);
  const rounds = Number(roundsArg ?? process.env.MNG_BENCH_ROUNDS ?? 5);
  const selected = only && only !== 'all' ? { [only]: cases[only] } : cases;
  if (only && only !== 'all' && !cases[only]) throw new Error(`unknown case '${only}' (cases: ${Object.keys(cases).join(', ')})`);
  // Warm-up, not timed: keys, the prepared image, and the page cache.
  await mng('create', 'warmup', '--no-connect', '-q');
  preparedImage = (await docker('inspect', '--format', '{{.Config.Image}}', `${prefix}warmup`)).trim();
  const rows = [];
  for (const [name, c] of Object.entries(selected)) {
    const state = {};
    if (c.setup) await c.setup(state);
    const m = [], r = [];
    for (let i = 0; i < rounds; i++) { // interleaved, so drift in machine load hits both sides alike
      if (c.beforeMng) await c.beforeMng(state);
      m.push(await time(c.mng, state));
      if (c.beforeRaw) await c.beforeRaw(state);
      r.push(await time(c.raw, state));
    }
    rows.push({ name, what: c.what, mng: median(m), raw: median(r) });
    process.stderr.write(`${name}: mng ${median(m).toFixed(0)} ms, raw ${median(r).toFixed(0)} ms\n`);
  }
  console.log(`\nmedian of ${rounds} rounds, image ${image}, docker ${(await docker('version', '--format', '{{.Server.Version}}')).trim()}`);
  console.log('case      mng ms   raw ms   mng/raw  what');
  for (const row of rows) {
    console.log(`${row.name.padEnd(9)} ${row.mng.toFixed(0).padStart(6)}   ${row.raw.toFixed(0).padStart(6)}   ${(row.mng / row.raw).toFixed(2).padStart(7)}  ${row.what}`);
  }
}

try {
  await main();
} finally {
  const ids = (await execa('docker', ['ps', '-aq', '--filter', `name=${prefix}`], { reject: false })).stdout.split('\n').filter(Boolean);
  if (ids.length) await execa('docker', ['rm', '-f', '-v', ...ids], { reject: false });
  // Snapshot images: mng's (repository mng-snapshot/<container name>) and the raw commits.
  for (const ref of [`mng-snapshot/${prefix}*`, rawImageRepo]) {
    const imgs = (await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${ref}`], { reject: false })).stdout.split('\n').filter(Boolean);
    if (imgs.length) await execa('docker', ['rmi', ...imgs], { reject: false });
  }
  rmSync(dir, { recursive: true, force: true });
}
