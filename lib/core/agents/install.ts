import { mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Daemon } from '../../docker/daemon.js';
import { buildLibcProbeArgs } from '../../docker/agent-args.js';
import { buildPrepareArgs } from '../../docker/args.js';
import { dockerReason, meaningfulLines } from '../../docker/errors.js';
import { MngError } from '../../errors.js';
import type { Core } from '../core.js';
import { agentCacheDir, recordedVersion, recordVersion, release, tarball } from './cache.js';
import { KITS } from './kits.js';
import type { InstallSpec, Platform } from './kit.js';
import { npmView, platformSpec } from './npm.js';
import type { AgentType } from '../../config/agent-types.js';

/**
 * The agent layer: a built-in agent's binaries added to mng's prepared image as one thin `COPY` layer, made once per
 * (image, agent, version) and reused. The vendor's package is fetched on the user's machine (npm, cached), and only
 * its binaries go to the daemon, in the build context: no network in the container, any daemon (remote ones too).
 */

/** Image labels of an agent layer (besides mng.prepared-from). */
export const AGENT_LABEL = 'mng.agent';
export const AGENT_VERSION_LABEL = 'mng.agent-version';

/** Where an agent's files go in the image. */
export function installDir(agent: string, version: string): string {
  return `/opt/mng/agents/${agent}-${version}`;
}

/** The tag of an agent layer made on top of the image tagged `from`. */
export function agentLayerTag(from: string, agent: string, version: string): string {
  return `${from}-${agent}-${version.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** Docker's CPU names → npm's. */
export function npmArch(dockerArch: string | undefined): string {
  const a = dockerArch ?? 'amd64';
  return a === 'amd64' ? 'x64' : a === 'aarch64' ? 'arm64' : a;
}

/**
 * The version a new host of this agent gets: the configured one, else the one chosen at the first install on this
 * machine, else the newest on npm (recorded, so later hosts get the same until the config names another).
 */
export async function agentVersion(core: Core, cacheDir: string, type: AgentType): Promise<string> {
  if (type.version) return type.version;
  const recorded = await recordedVersion(cacheDir, type.name);
  if (recorded) return recorded;
  const kit = KITS[type.name];
  core.progress(`Asking npm for the newest ${type.name} (${kit.install.wrapper})`);
  const r = await npmView(core.runner, kit.install.wrapper);
  await recordVersion(cacheDir, type.name, r.version);
  return r.version;
}

/** The image's C library, when the vendor ships builds for both: one throwaway container without network. */
async function platformOf(core: Core, daemon: Daemon, image: string, arch: string, spec: InstallSpec) {
  if (!spec.libcSpecific) return { arch, libc: 'glibc' } as Platform;
  const r = await core.runner.docker(daemon, buildLibcProbeArgs(image));
  return { arch, libc: r.stdout.trim() === 'musl' ? 'musl' : 'glibc' } as Platform;
}

/** The build context: the binaries under root/ (install folder plus links in /usr/local/bin) and a one-COPY Dockerfile. */
async function makeContext(dir: string, pkg: string, spec: InstallSpec, p: Platform, agent: string, version: string) {
  const files = spec.files(p);
  const unpacked = join(dir, 'package');
  await mkdir(unpacked);
  const { x } = await import('tar');
  const wanted = new Set(files.map((f) => f.from));
  await x({ file: pkg, cwd: unpacked, filter: (path) => wanted.has(path.replace(/^\.\//, '')) });
  const target = installDir(agent, version);
  for (const f of files) {
    const from = join(unpacked, f.from);
    if (!(await stat(from).catch(() => undefined))?.isFile()) {
      throw new MngError(`the package of ${agent} ${version} has no ${f.from}: mng cannot install this version`);
    }
    const to = join(dir, 'root', target, f.to);
    await mkdir(dirname(to), { recursive: true, mode: 0o755 });
    await rename(from, to);
  }
  await mkdir(join(dir, 'root/usr/local/bin'), { recursive: true, mode: 0o755 });
  for (const [name, path] of Object.entries(spec.bin)) {
    await symlink(`${target}/${path}`, join(dir, 'root/usr/local/bin', name));
  }
  await rm(unpacked, { recursive: true, force: true });
}

/** The vendor's release at `version`, and the error for a platform it does not ship (before anything is built). */
async function shippedRelease(core: Core, cacheDir: string, type: AgentType, version: string, p: Platform) {
  const spec = KITS[type.name].install;
  const rel = await release(core.runner, cacheDir, type.name, spec.wrapper, version);
  if (platformSpec(rel, spec.platformKey(p))) return rel;
  const shipped = Object.keys(rel.optionalDependencies)
    .filter((k) => k.startsWith(`${spec.wrapper}-linux-`))
    .map((k) => k.slice(spec.wrapper.length + 1));
  throw new MngError(
    `${type.name} ${version} is not shipped for this image's platform (linux-${p.arch}${p.libc === 'musl' ? '-musl' : ''}); its vendor ships: ${shipped.join(', ') || 'nothing for Linux'}`,
    { hint: 'use an image of a platform the vendor ships, or install the agent yourself (--dockerfile)' },
  );
}

/** Does the vendor ship this agent for the image's CPU at all? Checked before mng prepares anything for the image. */
export async function checkAgentPlatform(
  core: Core,
  o: { cacheDir: string; type: AgentType; version: string; arch?: string },
): Promise<void> {
  await shippedRelease(core, o.cacheDir, o.type, o.version, { arch: npmArch(o.arch), libc: 'glibc' });
}

/** A built-in agent to install in the prepared image, at a version. */
export interface AgentLayer {
  type: AgentType;
  version: string;
  /** mng's cache folder on this machine (the vendor's packages) */
  cacheDir: string;
}

/**
 * docker build of the agent layer `tag` on top of `from`: the vendor's platform package for this image (its CPU and,
 * where it matters, C library), fetched or taken from the cache, its binaries alone in one COPY.
 */
export async function buildAgentLayer(
  core: Core,
  daemon: Daemon,
  opts: {
    from: string;
    tag: string;
    baseId: string;
    arch?: string;
    cacheDir: string;
    type: AgentType;
    version: string;
  },
): Promise<void> {
  const { type, version } = opts;
  const spec = KITS[type.name].install;
  const platform = await platformOf(core, daemon, opts.from, npmArch(opts.arch), spec);
  const rel = await shippedRelease(core, opts.cacheDir, type, version, platform);
  const pkgSpec = platformSpec(rel, spec.platformKey(platform)) as string;
  const pkg = await tarball(core.runner, opts.cacheDir, type.name, pkgSpec, core.progress);
  core.progress(`Adding ${type.name} ${version} to the image (once per image and version)`);
  const dir = await mkdtemp(join(agentCacheDir(opts.cacheDir, type.name), '.build-'));
  try {
    await makeContext(dir, pkg, spec, platform, type.name, version);
    await writeFile(join(dir, 'Dockerfile'), `FROM ${opts.from}\nCOPY root/ /\n`);
    const labels = { 'mng.prepared-from': opts.baseId, [AGENT_LABEL]: type.name, [AGENT_VERSION_LABEL]: version };
    const build = await core.runner.docker(daemon, buildPrepareArgs(opts.tag, labels, dir), {
      check: false,
    });
    if (build.exitCode !== 0) {
      const why = dockerReason(build.stderr) || meaningfulLines(build.stdout).slice(-3).join(' | ');
      throw new MngError(`adding ${type.name} ${version} to the image failed: ${why}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
