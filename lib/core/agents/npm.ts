import { MngError } from '../../errors.js';
import type { Runner } from '../../process/runner.js';

/**
 * The vendors' npm packages, fetched on the user's machine with its own npm (its registry, proxy and CA settings
 * apply): `npm view` for a version and its platform packages, `npm pack` for a platform package's tarball. Nothing
 * runs in a container and nothing is installed: the tarball is only read.
 */

export interface NpmRelease {
  version: string;
  /** platform package name → its version or npm alias (`npm:@openai/codex@0.171.0-linux-x64`) */
  optionalDependencies: Record<string, string>;
}

const NPM_HINT = 'mng fetches coding agents with npm, which comes with Node.js: install it, or put it on the PATH';

/** The one-line reason in npm's `--json` error output, or its last stderr line. */
export function npmReason(stdout: string, stderr: string): string {
  try {
    const e = (JSON.parse(stdout) as { error?: { summary?: string; code?: string } }).error;
    if (e?.summary) return e.summary;
    if (e?.code) return e.code;
  } catch {
    /* not JSON */
  }
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^npm (error|ERR!) /, '').trim())
    .filter((l) => l !== '' && !/complete log of this run/.test(l));
  return lines[0] ?? 'npm failed';
}

/** `npm view PKG[@VERSION] version optionalDependencies --json` → the release (one version, or a clear error). */
export function parseNpmView(stdout: string, spec: string): NpmRelease {
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch {
    throw new MngError(`npm view ${spec} printed no JSON`);
  }
  if (Array.isArray(v)) {
    throw new MngError(`${spec} names ${v.length} versions on npm: give one version, like "1.2.3"`);
  }
  const r = v as Partial<NpmRelease> | null;
  if (!r || typeof r.version !== 'string') throw new MngError(`npm has no version ${spec}`);
  return { version: r.version, optionalDependencies: r.optionalDependencies ?? {} };
}

/** The npm spec of a platform package: `NAME@VERSION`, or the alias's own target. */
export function platformSpec(release: NpmRelease, key: string): string | undefined {
  const v = release.optionalDependencies[key];
  if (v === undefined) return undefined;
  return v.startsWith('npm:') ? v.slice(4) : `${key}@${v}`;
}

/** A file name for a package spec in mng's cache: `@openai/codex@0.171.0-linux-x64` → `openai-codex-0.171.0-linux-x64.tgz`. */
export function tarballName(spec: string): string {
  return `${spec.replace(/^@/, '').replace(/[@/]/g, '-')}.tgz`;
}

/** `npm view` of a package at a version (or its newest): one call. */
export async function npmView(runner: Runner, pkg: string, version?: string): Promise<NpmRelease> {
  const spec = version ? `${pkg}@${version}` : pkg;
  const r = await runner.run('npm', ['view', spec, 'version', 'optionalDependencies', '--json'], {
    missingHint: NPM_HINT,
  });
  if (r.exitCode !== 0) {
    const reason = npmReason(r.stdout, r.stderr);
    if (/E404|No match found/i.test(r.stdout + reason)) {
      throw new MngError(`${spec} does not exist on npm (${reason})`, {
        hint: 'check the version (npm view ' + pkg + ' versions), or leave it out for the newest',
      });
    }
    throw new MngError(`npm view ${spec} failed: ${reason}`);
  }
  return parseNpmView(r.stdout, spec);
}

/** `npm pack SPEC` into `dir` (no scripts run): the tarball's path. */
export async function npmPack(runner: Runner, spec: string, dir: string): Promise<string> {
  const r = await runner.run(
    'npm',
    ['pack', spec, '--pack-destination', dir, '--json', '--ignore-scripts', '--loglevel=error'],
    { missingHint: NPM_HINT },
  );
  if (r.exitCode !== 0) throw new MngError(`npm pack ${spec} failed: ${npmReason(r.stdout, r.stderr)}`);
  let name: unknown;
  try {
    name = (JSON.parse(r.stdout) as { filename?: string }[])[0]?.filename;
  } catch {
    /* checked below */
  }
  if (typeof name !== 'string') throw new MngError(`npm pack ${spec} did not say which file it wrote`);
  return `${dir}/${name}`;
}
