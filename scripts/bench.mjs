#!/usr/bin/env node
// mng's benchmark: each case times mng next to raw docker/ssh (or the Dev Containers CLI) doing the same work,
// interleaved in the same run, and reports medians, the ratio mng/raw and mng's peak memory. This machine is noisy:
// read the ratios, not the seconds.
//
//   npm run bench                 # all cases, 5 rounds each
//   npm run bench -- create 9     # one case, 9 rounds (cases: see `cases` below)
//   MNG_BENCH_JSON=out.json npm run bench   # where the raw numbers go (default: a file in the temp folder)
//   npm run bench -- fleet        # opt-in (minutes): 100 real hosts' list time, idle CPU and memory, see
//                                 # scripts/bench-fleet.mjs; MNG_BENCH_BEFORE=OLD/bin/mng.js measures an older build
//                                 # first in the same run; MNG_BENCH_FLEET=1 adds it to all cases
//
// Needs the build (npm run build) and a Docker daemon with the base image (scripts/testbed.sh). The devcontainer
// case installs @devcontainers/cli into a temporary npm prefix when it is missing (MNG_BENCH_DEVCONTAINER=path to
// use another one).
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fleetBench } from './bench-fleet.mjs';

const root = resolve(import.meta.dirname, '..');
const image = process.env.MNG_BENCH_IMAGE ?? 'debian:bookworm-slim';
const id = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'mngbench-'));
const prefix = `mngbench-${id}-`;
/** 100 hosts for list/stop/destroy live under their own prefix, so the other cases see few hosts */
const manyPrefix = `mngbench-${id}m-`;
const emptyPrefix = `mngbench-${id}e-`;
const env = {
  ...process.env,
  HOME: join(dir, 'home'),
  XDG_DATA_HOME: join(dir, 'data'),
  XDG_CONFIG_HOME: join(dir, 'config'),
  MNG_PREFIX: prefix,
  NO_COLOR: '1',
  // coding agents' packages: the machine's shared cache (the test suite's), so the bench fetches nothing it has
  XDG_CACHE_HOME: process.env.MNG_BENCH_CACHE ?? '/var/tmp/mng-test-cache',
};
const claudeVersion = process.env.MNG_BENCH_CLAUDE_VERSION ?? '2.1.332';
/** Claude signed in (so create waits for its prompt) with a key no server will see: the model's address refuses at once. */
const claudeEnv = { ANTHROPIC_API_KEY: 'sk-ant-bench-not-a-key' };
mkdirSync(join(dir, 'config', 'mng'), { recursive: true });
mkdirSync(env.HOME, { recursive: true });
writeFileSync(
  join(dir, 'config', 'mng', 'config.toml'),
  `[providers.docker]\nbackend = "docker"\ndefault_image = "${image}"\n\n[agents.claude]\nversion = "${claudeVersion}"\n`,
);
mkdirSync(join(env.HOME, '.claude'), { recursive: true });
writeFileSync(
  join(env.HOME, '.claude', 'settings.json'),
  JSON.stringify({ env: { ANTHROPIC_BASE_URL: 'http://127.0.0.1:9', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' } }),
);

/** Peak resident memory (KB) of each timed mng call, by case. */
const peaks = {};
let currentCase = '';

const mngBin = join(root, 'bin/mng.js');
/** Run mng as users do (bin/mng.js through its first line); its peak memory comes from /usr/bin/time when installed. */
export async function mng(args, opts = {}) {
  const rss = join(dir, 'rss');
  const useTime = existsSync('/usr/bin/time');
  const cmd = useTime ? ['/usr/bin/time', ['-f', '%M', '-o', rss, mngBin, ...args]] : [mngBin, args];
  const r = await execa(cmd[0], cmd[1], { env: { ...env, ...opts.env }, reject: false });
  if (r.exitCode !== 0) throw new Error(`mng ${args.join(' ')}: ${r.stderr}`);
  if (useTime && opts.timed) {
    peaks[currentCase] ??= [];
    peaks[currentCase].push(Number(readFileSync(rss, 'utf8').trim().split('\n').pop()));
  }
  return r.stdout;
}
const timedMng = (...args) => mng(args, { timed: true });
/**
 * Node's own start-up, as mng's process gets it: without NODE_EXTRA_CA_CERTS, which bin/mng.js keeps from Node (with it,
 * Node 20 reads its certificate store at start-up; comparing against that would flatter mng).
 */
const { NODE_EXTRA_CA_CERTS: _extraCa, ...envWithoutExtraCa } = process.env;
const bareNode = () => execa('node', ['-e', '0'], { env: envWithoutExtraCa, extendEnv: false });
export async function docker(...args) {
  const r = await execa('docker', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const keyDir = join(env.XDG_DATA_HOME, 'mng', 'keys', 'client');
function rawSshArgs(port) {
  return [
    '-F',
    '/dev/null',
    '-i',
    join(keyDir, 'id_ed25519'),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'BatchMode=yes',
    '-p',
    String(port),
    'root@127.0.0.1',
  ];
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
/** A real host's labels (the warm-up's), copied onto the bench's many labelled containers. */
let templateLabels;
let counter = 0;
const next = (what) => `${what}${++counter}`;

/**
 * A hand-written `docker run` of the same prepared image with sshd and the same client key, then the first `ssh true`.
 * The prepared image has no host keys (each mng host makes its own at its first boot): this one makes its ed25519 key
 * the same way.
 */
async function rawRun(name) {
  const pub = readFileSync(join(keyDir, 'id_ed25519.pub'), 'utf8').trim();
  const script = `mkdir -p /run/sshd /root/.ssh && echo '${pub}' > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys && { [ -s /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key; } && exec /usr/sbin/sshd -D -e`;
  await docker(
    'run',
    '-d',
    '--init',
    '--name',
    `${prefix}${name}`,
    '-p',
    '127.0.0.1::22',
    '--entrypoint',
    '/bin/sh',
    preparedImage,
    '-c',
    script,
  );
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
 * `n` containers with mng's labels under `pfx` (a copy of a real host's labels, each with its own id and name),
 * running `sleep` under docker-init (so `docker stop` is quick, as for a real host), `run` or only `create`d.
 * Made 8 at a time; not timed.
 */
async function labelledContainers(pfx, names, { run }) {
  const one = async (name) => {
    const labels = { ...templateLabels, 'mng.id': randomBytes(8).toString('hex'), 'mng.name': name, 'mng.prefix': pfx };
    const flags = Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    await docker(
      run ? 'run' : 'create',
      ...(run ? ['-d'] : []),
      '--init',
      '--name',
      `${pfx}${name}`,
      ...flags,
      '--entrypoint',
      'sleep',
      preparedImage,
      'infinity',
    );
  };
  for (let i = 0; i < names.length; i += 8) await Promise.all(names.slice(i, i + 8).map(one));
}
const range = (n, what) => Array.from({ length: n }, (_, i) => `${what}${i}`);

/** The Dev Containers CLI: the one given, one already in the temporary prefix, or installed there from npm. */
async function devcontainerBin() {
  if (process.env.MNG_BENCH_DEVCONTAINER) return process.env.MNG_BENCH_DEVCONTAINER;
  const cliPrefix = join(tmpdir(), 'devcontainers-cli');
  const bin = join(cliPrefix, 'node_modules', '.bin', 'devcontainer');
  if (!existsSync(bin)) {
    process.stderr.write(`installing @devcontainers/cli into ${cliPrefix}\n`);
    await execa('npm', ['install', '--prefix', cliPrefix, '--no-audit', '--no-fund', '@devcontainers/cli']);
  }
  return bin;
}
/** A workspace folder whose devcontainer.json runs the prepared image (no registry here: a local image). */
function devcontainerFolder() {
  const ws = join(dir, next('ws'));
  mkdirSync(join(ws, '.devcontainer'), { recursive: true });
  writeFileSync(
    join(ws, '.devcontainer', 'devcontainer.json'),
    JSON.stringify({ image: preparedImage, overrideCommand: true }),
  );
  return ws;
}
const dcFolders = [];

/**
 * Cases: each has mng() and raw() doing the same user-visible work; setup and the optional per-round
 * beforeMng()/beforeRaw() (putting things back in the state the timed step needs) are not timed.
 */
export const cases = {
  create: {
    what: 'create, image prepared, until ssh works vs docker run + docker port + first ssh true',
    mng: async () => {
      await timedMng('create', next('c'), '--no-connect', '-q');
    },
    raw: async () => {
      await rawRun(next('r'));
    },
  },
  egress: {
    what: 'create --egress allow=LIST, until ssh works vs create with open egress (both mng, filter already running)',
    // The first allow-list create on a daemon makes the egress network, the filter and its relay (and, once per
    // machine and base image, the filter's image): timed here, once, and printed beside the table.
    setup: async () => {
      const t = performance.now();
      await mng(['create', next('f'), '--egress', 'allow=example.com,*.npmjs.org:443', '--no-connect', '-q']);
      process.stderr.write(
        `  first create with an allow-list on this daemon: ${(performance.now() - t).toFixed(0)} ms\n`,
      );
    },
    mng: async () => {
      await timedMng('create', next('a'), '--egress', 'allow=example.com,*.npmjs.org:443', '--no-connect', '-q');
    },
    raw: async () => {
      await mng(['create', next('o'), '--no-connect', '-q']);
    },
  },
  claude: {
    what: 'create claude (agent layer cached) until its prompt is ready vs create of a shell agent, both until ssh works',
    // Each round's host is removed before the next round (not timed): running agents would load the CPU for the rest.
    setup: async (s) => {
      // the agent layer, and Claude's first start (the page cache), not timed
      s.last = next('cw');
      await mng(['create', s.last, 'claude', '--no-connect', '-q'], { env: claudeEnv });
    },
    beforeMng: async (s) => {
      await mng(['destroy', '--force', s.last, '-q']);
    },
    mng: async (s) => {
      s.last = next('cl');
      await mng(['create', s.last, 'claude', '--no-connect', '-q'], { timed: true, env: claudeEnv });
    },
    beforeRaw: async (s) => {
      await mng(['destroy', '--force', s.last, '-q']);
    },
    raw: async (s) => {
      s.last = next('sh');
      await mng(['create', s.last, '--no-connect', '-q']);
    },
  },
  devcontainer: {
    what: 'create, image prepared, until ssh works vs devcontainer up of the same image (no sshd wait)',
    setup: async (s) => {
      s.bin = await devcontainerBin();
    },
    mng: async () => {
      await timedMng('create', next('d'), '--no-connect', '-q');
    },
    beforeRaw: async (s) => {
      s.ws = devcontainerFolder();
      dcFolders.push(s.ws);
    },
    raw: async (s) => {
      await execa(s.bin, ['up', '--workspace-folder', s.ws]);
    },
  },
  exec: {
    what: 'warm mng exec NAME -- true vs a fresh plain ssh HOST true',
    setup: async (s) => {
      await mng(['create', 'execbench', '--no-connect', '-q']);
      s.port = JSON.parse(await mng(['list', '--format', 'json'])).agents.find((a) => a.name === 'execbench').ssh.port;
    },
    mng: async () => {
      await timedMng('exec', 'execbench', '--', 'true');
    },
    raw: async (s) => {
      await execa('ssh', [...rawSshArgs(s.port), 'true']);
    },
  },
  help: {
    what: 'mng --help vs node -e 0 (both without NODE_EXTRA_CA_CERTS: see bin/mng.js)',
    mng: async () => {
      await timedMng('--help');
    },
    raw: async () => {
      await bareNode();
    },
  },
  list0: {
    what: 'mng list --format json, no hosts vs node -e 0 (as for help), then docker ps',
    mng: async () => {
      await mng(['list', '--format', 'json'], { timed: true, env: { MNG_PREFIX: emptyPrefix } });
    },
    raw: async () => {
      await bareNode();
      await docker('ps', '-a', '--filter', `label=mng.prefix=${emptyPrefix}`);
    },
  },
  list100: {
    what: 'mng list --format json, 100 hosts vs docker ps + one batched docker inspect',
    setup: async () => {
      await labelledContainers(manyPrefix, range(100, 'l'), { run: false });
    },
    mng: async () => {
      await mng(['list', '--format', 'json'], { timed: true, env: { MNG_PREFIX: manyPrefix } });
    },
    raw: async () => {
      const ids = (
        await docker('ps', '-a', '--no-trunc', '--filter', `label=mng.prefix=${manyPrefix}`, '--format', '{{.ID}}')
      )
        .split('\n')
        .filter(Boolean);
      await docker('container', 'inspect', ...ids);
    },
  },
  stop: {
    what: 'mng stop NAME vs docker stop (both: sshd under docker-init)',
    setup: async () => {
      await mng(['create', 'stopbench', '--no-connect', '-q']);
      await rawRun('rawstop');
    },
    beforeMng: async () => {
      await mng(['start', 'stopbench', '-q']);
    },
    mng: async () => {
      await timedMng('stop', 'stopbench', '-q');
    },
    beforeRaw: async () => {
      await docker('start', `${prefix}rawstop`);
      await rawSshUp('rawstop');
    },
    raw: async () => {
      await docker('stop', `${prefix}rawstop`);
    },
  },
  stop50: {
    what: 'mng stop of 50 names vs docker stop of 50 names',
    setup: async () => {
      await labelledContainers(manyPrefix, range(50, 's'), { run: true });
      await labelledContainers(prefix, range(50, 'rs'), { run: true });
    },
    beforeMng: async () => {
      await docker('start', ...range(50, 's').map((n) => `${manyPrefix}${n}`));
    },
    mng: async () => {
      await mng(['stop', ...range(50, 's'), '-q'], { timed: true, env: { MNG_PREFIX: manyPrefix } });
    },
    beforeRaw: async () => {
      await docker('start', ...range(50, 'rs').map((n) => `${prefix}${n}`));
    },
    raw: async () => {
      await docker('stop', ...range(50, 'rs').map((n) => `${prefix}${n}`));
    },
  },
  start: {
    what: 'mng start NAME vs docker start + docker port + first ssh true',
    setup: async () => {
      await mng(['create', 'startbench', '--no-connect', '-q']);
      await rawRun('rawstart');
    },
    beforeMng: async () => {
      await mng(['stop', 'startbench', '-q']);
    },
    mng: async () => {
      await timedMng('start', 'startbench', '-q');
    },
    beforeRaw: async () => {
      await docker('stop', `${prefix}rawstart`);
    },
    raw: async () => {
      await docker('start', `${prefix}rawstart`);
      await rawSshUp('rawstart');
    },
  },
  snapshot: {
    what: 'mng snapshot create NAME vs docker commit (running hosts)',
    setup: async () => {
      await mng(['create', 'snapbench', '--no-connect', '-q']);
      await rawRun('rawsnap');
    },
    mng: async () => {
      await timedMng('snapshot', 'create', 'snapbench', '-q');
    },
    raw: async () => {
      await docker('commit', `${prefix}rawsnap`, `${rawImageRepo}:${next('s')}`);
    },
  },
  destroy100: {
    what: 'mng destroy --force of 100 names vs docker rm -f of 100 names',
    maxRounds: 3,
    beforeMng: async (s) => {
      s.round = next('x');
      await labelledContainers(manyPrefix, range(100, `${s.round}d`), { run: false });
    },
    mng: async (s) => {
      await mng(['destroy', '--force', ...range(100, `${s.round}d`), '-q'], {
        timed: true,
        env: { MNG_PREFIX: manyPrefix },
      });
    },
    beforeRaw: async (s) => {
      s.round = next('x');
      await labelledContainers(prefix, range(100, `${s.round}r`), { run: false });
    },
    raw: async (s) => {
      await docker('rm', '-f', ...range(100, `${s.round}r`).map((n) => `${prefix}${n}`));
    },
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
      const r = await execa(mngBin, ['create', next('g'), '--from', s.repo, '--no-connect', '-v'], {
        env,
        reject: false,
      });
      if (r.exitCode !== 0) throw new Error(`mng create --from: ${r.stderr}`);
      s.totals.push(performance.now() - t);
      const lines = r.stderr.split('\n');
      const i = lines.findIndex((l) => /^\+ docker cp - \S+:\/$/.test(l.trim()));
      const ms = /after (\d+) ms/.exec(lines.slice(i + 1).find((l) => /\(docker exit/.test(l)) ?? '');
      if (i < 0 || !ms) throw new Error('no timing of the copy step in mng -v output');
      process.stderr.write(`  create --from total ${(performance.now() - t).toFixed(0)} ms, copy ${ms[1]} ms\n`);
      return Number(ms[1]);
    },
    beforeRaw: async (s) => {
      s.raw = `${prefix}${next('rawcp')}`;
      await docker('create', '--name', s.raw, preparedImage);
    },
    raw: async (s) => {
      await docker('cp', `${s.repo}/.`, `${s.raw}:/workspace`);
    },
  },
  version: {
    what: 'mng --version vs docker --version',
    mng: async () => {
      await timedMng('--version');
    },
    raw: async () => {
      await docker('--version');
    },
  },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** How long fn took; a case may return its own measure (ms) of the step it compares. */
async function time(fn, state) {
  const t = performance.now();
  const own = await fn(state);
  return typeof own === 'number' ? own : performance.now() - t;
}

async function main() {
  const [only, roundsArg] = process.argv.slice(2);
  const rounds = Number(roundsArg ?? process.env.MNG_BENCH_ROUNDS ?? 5);
  const names = only && only !== 'all' ? only.split(',') : Object.keys(cases);
  // The fleet case takes minutes: only when named, or with MNG_BENCH_FLEET=1.
  const fleet = names.includes('fleet') || process.env.MNG_BENCH_FLEET === '1';
  const timedNames = names.filter((n) => n !== 'fleet');
  for (const n of timedNames)
    if (!cases[n]) throw new Error(`unknown case '${n}' (cases: ${Object.keys(cases).join(', ')}, fleet)`);
  // Warm-up, not timed: keys, the prepared image, and the page cache.
  await mng(['create', 'warmup', '--no-connect', '-q']);
  preparedImage = (await docker('inspect', '--format', '{{.Config.Image}}', `${prefix}warmup`)).trim();
  templateLabels = JSON.parse(await docker('container', 'inspect', `${prefix}warmup`))[0].Config.Labels;
  const rows = [];
  for (const name of timedNames) {
    const c = cases[name];
    currentCase = name;
    const state = {};
    if (c.setup) await c.setup(state);
    const m = [],
      r = [];
    for (let i = 0; i < Math.min(rounds, c.maxRounds ?? rounds); i++) {
      // interleaved: drift in machine load hits both sides alike
      if (c.beforeMng) await c.beforeMng(state);
      m.push(await time(c.mng, state));
      if (c.beforeRaw) await c.beforeRaw(state);
      r.push(await time(c.raw, state));
    }
    const row = {
      name,
      what: c.what,
      mng: median(m),
      raw: median(r),
      peakKB: peaks[name] ? median(peaks[name]) : null,
      mngRuns: m,
      rawRuns: r,
    };
    rows.push(row);
    process.stderr.write(`${name}: mng ${row.mng.toFixed(0)} ms, raw ${row.raw.toFixed(0)} ms\n`);
    // Each case starts on a machine without the containers of the cases before it (a hundred running hosts, with
    // their health checks, would load the CPU for the rest of the run), as a user's machine would be.
    await removeContainers();
  }
  // the fleet case starts without the warm-up host (or any other case's)
  if (fleet) await removeContainers();
  const fleetRows = fleet ? await fleetBench({ env, prefix, bin: mngBin }) : undefined;
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    dockerServer: (await docker('version', '--format', '{{.Server.Version}}')).trim(),
    dockerClient: (await docker('version', '--format', '{{.Client.Version}}')).trim(),
    image,
    rounds,
  };
  const out =
    process.env.MNG_BENCH_JSON ?? join(tmpdir(), `mng-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    out,
    JSON.stringify({ machine, date: new Date().toISOString(), rows, fleet: fleetRows }, null, 2) + '\n',
  );
  console.log(
    `\nMedians of ${rounds} interleaved rounds (destroy100: ${Math.min(rounds, 3)}); ${machine.cpus} cores (${machine.cpu}), ${machine.memGB} GB, node ${machine.node}, docker engine ${machine.dockerServer} (client ${machine.dockerClient}), image ${image}.\n`,
  );
  console.log('| case | mng ms | raw ms | mng/raw | mng − raw | mng peak RSS | mng vs raw |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const row of rows) {
    const rss = row.peakKB ? `${(row.peakKB / 1024).toFixed(0)} MB` : '-';
    console.log(
      `| ${row.name} | ${row.mng.toFixed(0)} | ${row.raw.toFixed(0)} | ${(row.mng / row.raw).toFixed(2)} | ${(row.mng - row.raw).toFixed(0)} | ${rss} | ${row.what} |`,
    );
  }
  console.log(`\nraw numbers: ${out}`);
}

/** Remove the bench's containers: mng's and the raw ones (by name prefix), and the Dev Containers CLI's (by folder). */
async function removeContainers() {
  const filters = [prefix, manyPrefix, emptyPrefix]
    .map((p) => `name=${p}`)
    .concat(dcFolders.map((ws) => `label=devcontainer.local_folder=${ws}`));
  for (const filter of filters) {
    const ids = (await execa('docker', ['ps', '-aq', '--filter', filter], { reject: false })).stdout
      .split('\n')
      .filter(Boolean);
    if (ids.length) await execa('docker', ['rm', '-f', '-v', ...ids], { reject: false });
  }
}

/** Remove the networks and volumes mng made for the bench's prefixes (its hosts network, the egress filter's). */
async function removeNetworks() {
  for (const p of [prefix, manyPrefix, emptyPrefix]) {
    for (const kind of ['network', 'volume']) {
      const ids = (await execa('docker', [kind, 'ls', '-q', '--filter', `name=${p}`], { reject: false })).stdout
        .split('\n')
        .filter(Boolean);
      if (ids.length) await execa('docker', [kind, 'rm', ...ids], { reject: false });
    }
  }
}

try {
  await main();
} finally {
  await removeContainers();
  await removeNetworks();
  // Snapshot images: mng's (repository mng-snapshot/<container name>) and the raw commits.
  for (const ref of [`mng-snapshot/${prefix}*`, rawImageRepo]) {
    const imgs = (
      await execa('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${ref}`], {
        reject: false,
      })
    ).stdout
      .split('\n')
      .filter(Boolean);
    if (imgs.length) await execa('docker', ['rmi', ...imgs], { reject: false });
  }
  rmSync(dir, { recursive: true, force: true });
}
