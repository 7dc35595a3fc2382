// The fleet case of the bench (opt-in: `npm run bench -- fleet`, or MNG_BENCH_FLEET=1 with all cases): what 100 real
// hosts made by `mng create` (watchers running, agent `sleep infinity`) cost, for one or two builds of mng in the same
// run (MNG_BENCH_BEFORE=path/to/an/older/bin/mng.js measures that build first, then this one):
//
//   - list: `mng list --format json` of the 100 hosts vs `docker ps` + one batched `docker inspect` of them (medians);
//   - idle CPU: the CPU time, over MNG_BENCH_FLEET_SECONDS (default 60), of the daemon (dockerd, containerd), the
//     100 hosts' shims (with the `runc` processes they reap: a health check's exec) and the containers' own processes
//     (their cgroups), as a percentage of one core, against the daemon alone with no hosts just before;
//   - memory: the mean cgroup memory of a host (usage minus inactive file pages, as `docker stats` counts it) against
//     a bare container of the same image running `sleep infinity` under docker-init;
//   - and last, "docker alone": the same idle CPU for as many bare containers laid out as mng's hosts are (docker-init,
//     a published loopback port, a user-defined network), which is what Docker itself costs for them.
//
// Every container is labelled `mngbench.fleet=RUN` and removed at the end, even on failure. Linux with cgroup v1 or v2
// and a local daemon whose pid files are in /var/run (as scripts/testbed.sh starts it).
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const HOSTS = Number(process.env.MNG_BENCH_FLEET_HOSTS ?? 100);
const SECONDS = Number(process.env.MNG_BENCH_FLEET_SECONDS ?? 60);
/** Creates at once: each `mng create` is a Node process plus docker calls; 4 keeps 2 cores busy without thrashing. */
const CONCURRENCY = 4;
const TICKS = 100; // USER_HZ

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const readPid = (f) => (existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined);

/** utime + stime + the reaped children's (cutime + cstime) of a process, in ticks; 0 when it is gone. */
function procTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  } catch {
    return 0;
  }
}

/** The shim process of each container id (containerd-shim-runc-v2 -id ID). */
function shimPids(ids) {
  const want = new Set(ids);
  const out = [];
  for (const p of readdirNumeric('/proc')) {
    let cmd;
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmd[0]?.includes('containerd-shim')) continue;
    const i = cmd.indexOf('-id');
    if (i >= 0 && want.has(cmd[i + 1])) out.push(p);
  }
  return out;
}
function readdirNumeric(dir) {
  return readdirSync(dir).filter((n) => /^\d+$/.test(n));
}

/** A container's cgroup file (v1 under docker/, or v2 under system.slice/docker-ID.scope). */
function cgroupFile(controller, id, file) {
  for (const p of [
    `/sys/fs/cgroup/${controller}/docker/${id}/${file}`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope/${file}`,
  ]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}
/** CPU time of a container's processes, ns. */
function containerCpuNs(id) {
  const v1 = cgroupFile('cpuacct', id, 'cpuacct.usage');
  if (v1) return Number(readFileSync(v1, 'utf8'));
  const v2 = cgroupFile('', id, 'cpu.stat');
  if (v2) return Number(/usage_usec (\d+)/.exec(readFileSync(v2, 'utf8'))?.[1] ?? 0) * 1000;
  return 0;
}
/** A container's memory as `docker stats` counts it: usage minus inactive file pages, bytes. */
function containerMemory(id) {
  const usage = cgroupFile('memory', id, 'memory.usage_in_bytes');
  if (usage) {
    const stat = readFileSync(cgroupFile('memory', id, 'memory.stat'), 'utf8');
    return Number(readFileSync(usage, 'utf8')) - Number(/^total_inactive_file (\d+)/m.exec(stat)?.[1] ?? 0);
  }
  const cur = cgroupFile('', id, 'memory.current');
  const stat = readFileSync(cgroupFile('', id, 'memory.stat'), 'utf8');
  return Number(readFileSync(cur, 'utf8')) - Number(/^inactive_file (\d+)/m.exec(stat)?.[1] ?? 0);
}

/** % of one core used by the daemon (and, given ids, those containers' shims and processes) over `seconds`. */
async function cpuPercent(ids, seconds) {
  const daemon = [readPid('/var/run/docker.pid'), readPid('/var/run/docker/containerd/containerd.pid')].filter(Boolean);
  const shims = shimPids(ids);
  const sample = () => ({
    daemon: daemon.reduce((a, p) => a + procTicks(p), 0),
    shims: shims.reduce((a, p) => a + procTicks(p), 0),
    ns: ids.reduce((a, id) => a + containerCpuNs(id), 0),
  });
  const a = sample();
  const t = performance.now();
  await sleep(seconds * 1000);
  const b = sample();
  const wall = (performance.now() - t) / 1000;
  const pct = (cpuSeconds) => (100 * cpuSeconds) / wall;
  const parts = {
    daemon: pct((b.daemon - a.daemon) / TICKS),
    shims: pct((b.shims - a.shims) / TICKS),
    containers: pct((b.ns - a.ns) / 1e9),
  };
  return { total: parts.daemon + parts.shims + parts.containers, ...parts };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function pool(items, n, fn) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (queue.length) await fn(queue.shift());
    }),
  );
}

/**
 * The case. `ctx`: { env (the bench's mng environment), prefix (a fresh prefix base), bin (this build's bin/mng.js) }.
 * Returns rows for the bench's table, and prints each figure as it comes.
 */
export async function fleetBench(ctx) {
  const run = `${ctx.prefix}fleet`;
  const label = `mngbench.fleet=${run}`;
  const builds = [
    ...(process.env.MNG_BENCH_BEFORE ? [{ name: 'before', bin: process.env.MNG_BENCH_BEFORE }] : []),
    { name: 'after', bin: ctx.bin },
  ];
  const results = [];
  let image;
  try {
    for (const build of builds) {
      const pfx = `${run}-${build.name}-`;
      const env = { ...ctx.env, MNG_PREFIX: pfx, XDG_CONFIG_HOME: fleetConfig(ctx.env.XDG_CONFIG_HOME) };
      const mng = async (args) => {
        const r = await execa(build.bin, args, { env, reject: false });
        if (r.exitCode !== 0) throw new Error(`mng ${args.join(' ')} (${build.name}): ${r.stderr}`);
        return r.stdout;
      };
      const say = (s) => process.stderr.write(`fleet ${build.name}: ${s}\n`);
      say(`CPU with no hosts over ${SECONDS} s`);
      const none = await cpuPercent([], SECONDS);
      const cpuNone = none.total;
      say(`${cpuNone.toFixed(1)}% of a core; creating ${HOSTS} hosts, ${CONCURRENCY} at a time`);
      const t0 = performance.now();
      const names = Array.from({ length: HOSTS }, (_, i) => `h${i}`);
      const create = (n) =>
        mng(['create', n, '--agent-cmd', 'sleep infinity', '--no-connect', '-q', '-s', `--label=${label}`]);
      await create(names[0]); // alone: this build's prepared image, once
      await pool(names.slice(1), CONCURRENCY, create);
      say(`made in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      const ids = (await execa('docker', ['ps', '-q', '--no-trunc', '--filter', `label=mng.prefix=${pfx}`])).stdout
        .split('\n')
        .filter(Boolean);
      if (ids.length !== HOSTS) throw new Error(`expected ${HOSTS} running hosts, found ${ids.length}`);
      // settle: every host past its boot, the first watcher checks (and health checks) done
      await sleep(35_000);
      const m = [];
      const r = [];
      for (let i = 0; i < 7; i++) {
        let t = performance.now();
        const out = JSON.parse(await mng(['list', '--format', 'json']));
        m.push(performance.now() - t);
        if (out.agents.length !== HOSTS) throw new Error(`list showed ${out.agents.length} hosts`);
        t = performance.now();
        const ps = await execa('docker', ['ps', '-a', '--no-trunc', '--filter', `label=mng.prefix=${pfx}`, '-q']);
        await execa('docker', ['container', 'inspect', ...ps.stdout.split('\n').filter(Boolean)]);
        r.push(performance.now() - t);
      }
      say(`list ${median(m).toFixed(0)} ms vs docker ps + inspect ${median(r).toFixed(0)} ms; CPU over ${SECONDS} s`);
      const withHosts = await cpuPercent(ids, SECONDS);
      const cpuHosts = withHosts.total;
      say(`${cpuText(withHosts)} with ${HOSTS} hosts`);
      // bare containers of the same image, for memory
      image = (await execa('docker', ['inspect', '-f', '{{.Config.Image}}', ids[0]])).stdout.trim();
      const bare = [];
      for (let i = 0; i < 5; i++) bare.push(await runBare(label, `${pfx}bare${i}`, image));
      await sleep(3000);
      const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const memHost = mean(ids.map(containerMemory));
      const memBare = mean(bare.map(containerMemory));
      say(`memory per host ${(memHost / 2 ** 20).toFixed(1)} MB vs bare ${(memBare / 2 ** 20).toFixed(1)} MB`);
      results.push({
        build: build.name,
        listMs: median(m),
        rawMs: median(r),
        listRatio: median(m) / median(r),
        listRuns: m,
        rawRuns: r,
        cpuNonePercent: cpuNone,
        cpuHostsPercent: cpuHosts,
        cpuAddedPercent: cpuHosts - cpuNone,
        cpuParts: { none, withHosts },
        memHostMB: memHost / 2 ** 20,
        memBareMB: memBare / 2 ** 20,
        memAddedMB: (memHost - memBare) / 2 ** 20,
      });
      await removeLabelled(label);
      // the daemon goes on tearing down 100 containers (layers, network) after docker rm returns: let it finish
      // (under 2% of a core over 5 s, at most 2 minutes) before the next build's no-host measurement
      for (let t = performance.now(); performance.now() - t < 120_000; ) {
        if ((await cpuPercent([], 5)).total < 2) break;
      }
    }
    results.push(await dockerAlone(run, label, image));
  } finally {
    await removeLabelled(label);
    await execa('docker', ['network', 'rm', `${run}-bare`], { reject: false });
  }
  console.log(
    `\nfleet: ${HOSTS} real hosts (mng create, agent 'sleep infinity', watchers running), CPU over ${SECONDS} s\n`,
  );
  console.log(
    '| build | list ms | docker ps+inspect ms | list ratio | CPU no hosts | CPU with hosts | added (% of one core) | MB per host | MB bare | added MB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const f = (n, digits, unit = '') => (n === undefined ? '-' : `${n.toFixed(digits)}${unit}`);
  for (const x of results) {
    console.log(
      `| ${x.build} | ${f(x.listMs, 0)} | ${f(x.rawMs, 0)} | ${f(x.listRatio, 2)} | ${f(x.cpuNonePercent, 1, '%')} | ${f(x.cpuHostsPercent, 1, '%')} | ${f(x.cpuAddedPercent, 1, '%')} | ${f(x.memHostMB, 1)} | ${f(x.memBareMB, 1)} | ${f(x.memAddedMB, 1)} |`,
    );
  }
  return results;
}

/** A bare container of `image`: `sleep infinity` under docker-init, labelled for removal. Its id. */
async function runBare(label, name, image, flags = []) {
  const args = ['run', '-d', '--init', '--label', label, '--name', name, ...flags, '--entrypoint', 'sleep', image];
  return (await execa('docker', [...args, 'infinity'])).stdout.trim();
}

/** A cpuPercent result in words. */
function cpuText(p) {
  return `${p.total.toFixed(1)}% of a core (daemon ${p.daemon.toFixed(1)}%, shims ${p.shims.toFixed(1)}%, containers ${p.containers.toFixed(1)}%)`;
}

/**
 * What Docker itself costs for as many containers laid out as mng lays out its hosts, with nothing of mng in them:
 * `sleep infinity` under docker-init, each publishing a loopback port, on a user-defined network of their own (whose
 * embedded DNS and sandboxes keep dockerd busy even when nothing asks them anything). The same CPU measurement.
 */
async function dockerAlone(run, label, image) {
  const net = `${run}-bare`;
  const say = (s) => process.stderr.write(`fleet docker alone: ${s}\n`);
  await execa('docker', ['network', 'create', '--label', label, net]);
  const none = await cpuPercent([], SECONDS);
  say(`${none.total.toFixed(1)}% of a core; ${HOSTS} containers of ${image} running sleep infinity`);
  const ids = [];
  await pool(
    Array.from({ length: HOSTS }, (_, i) => i),
    8,
    async (i) => ids.push(await runBare(label, `${run}-bare-${i}`, image, ['--network', net, '-p', '127.0.0.1::22'])),
  );
  await sleep(35_000);
  const withHosts = await cpuPercent(ids, SECONDS);
  say(cpuText(withHosts));
  await removeLabelled(label);
  return {
    build: 'docker alone',
    cpuNonePercent: none.total,
    cpuHostsPercent: withHosts.total,
    cpuAddedPercent: withHosts.total - none.total,
    cpuParts: { none, withHosts },
  };
}

/**
 * The bench's config without its [agents.*] sections (the fleet's hosts run no coding agent, and an older build may
 * not know them): a config folder of its own beside the bench's. Returns that folder.
 */
function fleetConfig(configHome) {
  const dir = join(dirname(configHome), 'config-fleet');
  mkdirSync(join(dir, 'mng'), { recursive: true });
  const toml = readFileSync(join(configHome, 'mng', 'config.toml'), 'utf8');
  writeFileSync(join(dir, 'mng', 'config.toml'), `${toml.split(/^\[agents[.\]]/m)[0].trimEnd()}\n`);
  return dir;
}

async function removeLabelled(label) {
  const ids = (await execa('docker', ['ps', '-aq', '--filter', `label=${label}`], { reject: false })).stdout
    .split('\n')
    .filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) {
    await execa('docker', ['rm', '-f', '-v', ...ids.slice(i, i + 50)], { reject: false });
  }
}
