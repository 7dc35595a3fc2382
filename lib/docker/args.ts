/**
 * Pure argument-vector builders: "what docker command would run". No I/O here, so each is tested as a
 * plain array comparison and `--dry-run` prints exactly what would run.
 */
import { idleCreateFlags, type IdleSettings } from './idle-args.js';

/** Where sshd listens inside every container; published on the daemon machine's loopback only. */
export const SSH_CONTAINER_PORT = 22;
/** Where mng puts its files inside the container. */
export const MNG_DIR = '/mng';
/** Where a local daemon's host publishes its state lines: the bind mount of a folder in mng's data directory. */
export const STATE_MOUNT = '/run/mng-state';
/** A tmpfs for the secrets mng hands a host at every start: empty at each start, never in a snapshot or an image. */
export const SECRETS_DIR = '/run/mng-secrets';

/** `--label k=v` pairs, in the order given. */
export function labelFlags(labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
}

export interface CreateSpec {
  containerName: string;
  image: string;
  labels: Record<string, string>;
  /** `default_start_args` of the provider, then the user's `-s` values: verbatim, order kept */
  startArgs: readonly string[];
  /** the idle watcher's settings (its environment and docker's health check); no flags when absent or disabled */
  idle?: IdleSettings;
  /** the container's working folder (create --from: the target), so the agent, exec and connect start there */
  workdir?: string;
  /** arguments of mng's init script (create: the host's own files that are not secret, see initArgs) */
  initArgs?: readonly string[];
  /**
   * a local folder the host publishes its state lines in (bind-mounted at STATE_MOUNT): `mng list` reads them there,
   * and the host needs no docker health check. Without one (a remote daemon) the health check carries them.
   */
  stateDir?: string;
  /** mng's network flags (core/network/flags.ts), before the user's start args */
  network?: readonly string[];
  /** publish sshd on the daemon's loopback (default); not for a host with no network or on an internal one */
  publishSsh?: boolean;
}

/**
 * `docker create`: mng's own flags first, then the user's start args (so they can add, docker taking the last value),
 * then the image. `--pull=never`: mng runs its own prepared images and snapshots, which no registry has; a missing one
 * is made (create) or is an error, never a pull.
 */
export function buildCreateArgs(spec: CreateSpec): string[] {
  return ['create', ...containerSpecArgs(spec)];
}

/** `docker run --detach`: `docker create` and `docker start` in one call, for a container that needs nothing put in first. */
export function buildRunArgs(spec: CreateSpec): string[] {
  return ['run', '--detach', ...containerSpecArgs(spec)];
}

function containerSpecArgs(spec: CreateSpec): string[] {
  return [
    '--name',
    spec.containerName,
    '--init',
    ...(spec.publishSsh === false ? [] : ['--publish', `127.0.0.1::${SSH_CONTAINER_PORT}`]),
    '--pull=never',
    '--tmpfs',
    `${SECRETS_DIR}:mode=0711`,
    ...labelFlags(spec.labels),
    ...(spec.network ?? []),
    ...(spec.stateDir ? ['--volume', `${spec.stateDir}:${STATE_MOUNT}`] : []),
    ...idleCreateFlags(spec.idle, spec.stateDir ? undefined : `sh ${MNG_DIR}/idle-health`),
    ...(spec.workdir ? ['--workdir', spec.workdir] : []),
    ...spec.startArgs,
    '--entrypoint',
    '/bin/sh',
    spec.image,
    `${MNG_DIR}/init`,
    ...(spec.initArgs ?? []),
  ];
}

/** Copy the contents of a local folder into the (created, not yet started) container's /mng. */
export function buildCopyInArgs(localDir: string, container: string): string[] {
  return ['cp', `${localDir}/.`, `${container}:${MNG_DIR}`];
}

export function buildStartArgs(containers: readonly string[]): string[] {
  return ['start', ...containers];
}

/** `docker stop`: PID 1 exits at once on SIGTERM, so docker's own grace period is never waited out. */
export function buildStopArgs(containers: readonly string[]): string[] {
  return ['stop', ...containers];
}

export function buildRenameArgs(container: string, newName: string): string[] {
  return ['rename', container, newName];
}

/**
 * A Dockerfile `LABEL` instruction for `docker commit --change`: every key and value double-quoted, with `\`, `"`
 * and `$` escaped (the instruction goes through the Dockerfile parser, which would otherwise expand variables).
 */
export function labelInstruction(labels: Record<string, string>): string {
  const q = (s: string) => `"${s.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
  return `LABEL ${Object.entries(labels)
    .map(([k, v]) => `${q(k)}=${q(v)}`)
    .join(' ')}`;
}

/** `docker commit` of a container (running: paused for the copy, docker's default) into `ref`, adding labels. */
export function buildCommitArgs(container: string, ref: string, labels: Record<string, string>): string[] {
  return ['commit', '--change', labelInstruction(labels), container, ref];
}

/** Full ids of the images carrying label `key=value` (one line per tag, so ids may repeat). */
export function buildImageIdsByLabelArgs(key: string, value: string): string[] {
  return ['images', '--quiet', '--no-trunc', '--filter', `label=${key}=${value}`];
}

/** Full ids of the images whose reference matches `pattern` (`mng-prepared:*`). */
export function buildImageIdsByReferenceArgs(pattern: string): string[] {
  return ['images', '--quiet', '--no-trunc', '--filter', `reference=${pattern}`];
}

/**
 * Remove images by reference (snapshots, a host's `mng-built:<id>` tag). By tag, not id, and without --force: an
 * image still used by a container or the parent of another image (a snapshot of a host started from it, mng's
 * prepared-image cache) is only untagged, so removing one host's tag never breaks another host or the cache.
 */
export function buildRemoveImagesArgs(refs: readonly string[]): string[] {
  return ['rmi', ...refs];
}

/** Remove containers with their anonymous volumes (made only for them). */
export function buildRemoveArgs(containers: readonly string[]): string[] {
  return ['rm', '--force', '--volumes', ...containers];
}

/** Every container of this prefix: ids only; details come from one batched inspect. */
export function buildListIdsArgs(label: string, value?: string): string[] {
  return [
    'ps',
    '--all',
    '--no-trunc',
    '--filter',
    `label=${value === undefined ? label : `${label}=${value}`}`,
    '--format',
    '{{.ID}}',
  ];
}

export function buildInspectArgs(containers: readonly string[]): string[] {
  return ['container', 'inspect', ...containers];
}

/**
 * `docker exec` of a script (`/bin/sh -c`, with its arguments as $1...) in a running container, as the container's own
 * user or `user`; `-i` when the script reads stdin. mng's every script in a container (access repair, git, the agent's
 * tmux, a coding agent's delivery) runs so; git runs as the agent's user, who owns the repository. `scriptOnStdin`:
 * `sh -s` reads the script from stdin instead (`script` is then not in the argv).
 */
export function buildExecScriptArgs(
  container: string,
  script: string,
  args: readonly string[] = [],
  opts: { stdin?: boolean; user?: string; scriptOnStdin?: boolean } = {},
): string[] {
  const as = opts.user && opts.user !== 'root' ? ['--user', opts.user] : [];
  // the script itself on stdin (`sh -s`): a delivery's secrets are in it, and never on a command line
  if (opts.scriptOnStdin) return ['exec', '-i', ...as, container, '/bin/sh', '-s', ...args];
  return ['exec', ...(opts.stdin ? ['-i'] : []), ...as, container, '/bin/sh', '-c', script, 'sh', ...args];
}

/** Everything a container wrote (a new host's first lines: the public half of the host key its init made). */
export function buildLogsArgs(container: string): string[] {
  return ['logs', container];
}

/** The last `lines` lines a container wrote (why it died). */
export function buildLogsTailArgs(container: string, lines: number): string[] {
  return ['logs', '--tail', String(lines), container];
}

export function buildImageInspectArgs(images: readonly string[]): string[] {
  return ['image', 'inspect', ...images];
}

export function buildPullArgs(image: string): string[] {
  return ['pull', '--quiet', image];
}

/** Does this image already have sshd, ssh-keygen (a host makes its key at first boot), tmux and git? Runs a throwaway container with no network. */
export function buildToolProbeArgs(image: string): string[] {
  return buildProbeArgs(
    image,
    'command -v tmux >/dev/null && command -v git >/dev/null && command -v ssh-keygen >/dev/null && { command -v sshd >/dev/null || test -x /usr/sbin/sshd; }',
  );
}

/** A throwaway container of an image, without network, that runs one sh script and is removed. */
export function buildProbeArgs(image: string, script: string): string[] {
  return ['run', '--rm', '--network=none', '--entrypoint', '/bin/sh', image, '-c', script];
}

/** `docker build` of one of mng's thin derived images: the Dockerfile on stdin (`-`), or a build context folder. */
export function buildPrepareArgs(tag: string, labels: Record<string, string>, context = '-'): string[] {
  return ['build', '--tag', tag, ...labelFlags(labels), context];
}

export function buildTagArgs(source: string, target: string): string[] {
  return ['tag', source, target];
}

export interface BuildSpec {
  /** path of the Dockerfile */
  dockerfile: string;
  /** the build context folder */
  context: string;
  /** `mng-built:<host id>`: the host's claim on the image. No label: the same Dockerfile gives the same image id, so mng's prepared-image cache works */
  tag: string;
  /** the user's `-b` values: verbatim, order kept */
  buildArgs: readonly string[];
}

/**
 * `docker build` of the user's Dockerfile: mng's flags first, then the user's -b values (so they can add to
 * mng's flags, docker taking the last value), then the context. `--force-rm` so a failed step leaves no container.
 */
export function buildBuildArgs(spec: BuildSpec): string[] {
  return ['build', '--file', spec.dockerfile, '--tag', spec.tag, '--force-rm', ...spec.buildArgs, spec.context];
}
