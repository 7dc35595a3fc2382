import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ProviderConfig } from '../../config/config.js';
import { buildBuildArgs } from '../../docker/args.js';
import { dockerError, dockerReason, isDaemonUnreachable, meaningfulLines } from '../../docker/errors.js';
import { InterruptedError, MngError, UsageError } from '../../errors.js';
import { quoteArgv } from '../../shell.js';
import { writeHostEntry } from '../../ssh/config.js';
import { ensureClientKey } from '../../ssh/keys.js';
import { version } from '../../version.js';
import { agentCommandLine, initArgs, type AgentSpec, type AgentState } from '../container/scripts.js';
import { daemonOf, type Core } from '../core.js';
import { entryOwner, hostFromInspect, removeBuiltImages, type Host } from '../hosts/hosts.js';
import { IDLE_INTERVAL_LABEL, idleSettingsFor } from '../model/idle.js';
import { makePreparedImage, preparedImageFor } from './image.js';
import { builtImageTag, encodeLabels, LABEL } from '../model/labels.js';
import { launchContainer, planLaunch, type LaunchArgv } from '../launch/launch.js';
import { containerName, generateId } from '../model/naming.js';
import { bindMountSources, checkBuildArgs, checkStartArgs } from './passthrough.js';
import { copySource, type Source } from '../code/source.js';

/** A Dockerfile to build the host's image from, both paths absolute. */
export interface BuildSource {
  dockerfile: string;
  /** the build context folder */
  context: string;
}

export interface CreateRequest {
  name: string;
  provider: ProviderConfig;
  /** image to run; the provider's default_image when absent */
  image?: string;
  agent: AgentSpec;
  /** build the image from this Dockerfile (instead of `image` / default_image) */
  build?: BuildSource;
  /** the user's -b values, verbatim: appended to docker build (only with `build`) */
  buildArgs?: string[];
  /** the user's -s values, verbatim: appended to docker create after the provider's default_start_args */
  startArgs: string[];
  tags: Record<string, string>;
  /** seconds; the provider's default_idle_timeout when absent */
  idleTimeout?: number;
  /** how long to wait for the SSH handshake, in seconds */
  sshTimeoutSeconds: number;
  /** seconds between two checks of the idle watcher (default 30) */
  idleCheckInterval?: number;
  /** --from: the files copied into the container before it starts (checked by resolveSource) */
  from?: Source;
}

export interface CreateResult {
  host: Host;
  agent: AgentState;
}

/**
 * `--dockerfile F [--dockerfile-context DIR]` → absolute paths, the context defaulting to F's folder. A missing
 * file or folder is a usage error: nothing has been made yet.
 */
export async function resolveBuildSource(
  dockerfile: string,
  context: string | undefined,
  cwd: string = process.cwd(),
): Promise<BuildSource> {
  const file = resolve(cwd, dockerfile);
  const dir = context === undefined ? dirname(file) : resolve(cwd, context);
  const isFile = await stat(file).then(
    (st) => st.isFile(),
    () => false,
  );
  if (!isFile) throw new UsageError(`--dockerfile ${dockerfile}: no such file`);
  const isDir = await stat(dir).then(
    (st) => st.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`--dockerfile-context ${context ?? dir}: no such folder`);
  return { dockerfile: file, context: dir };
}

/** Everything a create will run, decided up front and without I/O: the one source of the argv for both a real run and --dry-run. */
export interface CreatePlan {
  id: string;
  container: string;
  /** the image asked for: the given one or default_image, or the tag of the image built from the Dockerfile */
  image: string;
  labels: Record<string, string>;
  /** default_start_args, then the -s values */
  startArgs: string[];
  /** `docker build` argv, with --dockerfile */
  buildArgv?: string[];
  /** run (or create and start) argv for the image that will really run (mng's prepared one), with this machine's public key */
  launch: (runImage: string, authorizedKey: string) => LaunchArgv;
}

/**
 * Check the pass-through arguments and lay out the docker commands. Throws a usage error (exit 2) for a -s / -b
 * value that would break the host (see checkStartArgs), before anything exists.
 */
export function planCreate(prefix: string, req: CreateRequest, id: string, createdAt: string): CreatePlan {
  const { provider } = req;
  const startArgs = [...provider.default_start_args, ...req.startArgs];
  const startProblem = checkStartArgs(startArgs);
  if (startProblem) {
    const fromConfig = startProblem.index < provider.default_start_args.length;
    const where = fromConfig ? `default_start_args of provider '${provider.name}': ` : '-s ';
    throw new UsageError(
      `${where}${startProblem.text}: ${startProblem.message}`,
      'see docker run --help for what can be passed',
    );
  }
  const buildArgs = req.buildArgs ?? [];
  const buildProblem = checkBuildArgs(buildArgs);
  if (buildProblem) {
    throw new UsageError(
      `-b ${buildProblem.text}: ${buildProblem.message}`,
      'see docker build --help for what can be passed',
    );
  }
  const container = containerName(prefix, req.name);
  const image = req.build ? builtImageTag(id) : (req.image ?? provider.default_image);
  const idle = idleSettingsFor(req.idleTimeout ?? provider.default_idle_timeout, req.idleCheckInterval);
  const labels = encodeLabels({
    id,
    name: req.name,
    prefix,
    provider: provider.name,
    tags: req.tags,
    idleTimeout: idle.timeoutSeconds,
    agentCommand: agentCommandLine(req.agent),
    createdAt,
    version: version(),
    image,
    startArgs,
    sshUser: 'root',
    from: req.from && { kind: req.from.kind, path: req.from.path, commit: req.from.commit, target: req.from.target },
  });
  if (idle.timeoutSeconds > 0) labels[IDLE_INTERVAL_LABEL] = String(idle.intervalSeconds);
  const workdir = req.from?.target;
  return {
    id,
    container,
    image,
    labels,
    startArgs,
    buildArgv:
      req.build &&
      buildBuildArgs({
        dockerfile: req.build.dockerfile,
        context: req.build.context,
        tag: image,
        buildArgs,
      }),
    launch: (runImage, authorizedKey) =>
      planLaunch({
        containerName: container,
        image: runImage,
        labels,
        startArgs,
        idle,
        workdir,
        initArgs: initArgs({ agent: req.agent, authorizedKey }),
      }),
  };
}

/** Warnings about pass-through arguments that docker will take but that may not do what the user expects. */
export function passthroughWarnings(req: CreateRequest): string[] {
  const out: string[] = [];
  if (!req.build && (req.buildArgs ?? []).length > 0) {
    out.push(
      `-b values go to docker build, which runs only with --dockerfile; ignored: ${quoteArgv(req.buildArgs ?? [])}`,
    );
  }
  if (req.provider.host !== '') {
    for (const source of bindMountSources([...req.provider.default_start_args, ...req.startArgs])) {
      out.push(
        `the bind mount source ${source} is a path on the machine of provider '${req.provider.name}' (${req.provider.host}), not on this one`,
      );
    }
  }
  return out;
}

/** docker build of the user's Dockerfile, its output streamed; a failure names the step and shows docker's last lines. */
async function buildFromDockerfile(
  core: Core,
  provider: ProviderConfig,
  plan: CreatePlan,
  args: string[],
  source: BuildSource,
): Promise<void> {
  core.progress(`Building image ${plan.image} from ${source.dockerfile}`);
  let step: string | undefined;
  const tail: string[] = [];
  const res = await core.runner.docker(daemonOf(provider), args, {
    check: false,
    onLine: (raw) => {
      const [line] = meaningfulLines(raw);
      if (line === undefined) return;
      core.stream(line);
      const m = /^Step (\d+\/\d+) : (.*)$/.exec(line) ?? /^#\d+ \[[^\]]*?(\d+\/\d+)\] (.*)$/.exec(line);
      if (m) {
        step = `step ${m[1]} (${m[2].trim()})`;
        tail.length = 0;
      } else if (!/^\s*---> |^Removing intermediate container |^Sending build context /.test(line)) {
        tail.push(line);
        if (tail.length > 3) tail.splice(0, tail.length - 3);
      }
    },
  });
  if (res.exitCode === 0) return;
  // The specific case: a step failed, and its last lines say why. Anything else (no daemon, a bad flag) is docker's.
  if (!step || isDaemonUnreachable(res.stderr)) throw dockerError(args, res.exitCode, res.stderr, daemonOf(provider));
  const shown = tail.length > 0 ? tail.join(' | ') : dockerReason(res.stderr);
  throw new MngError(`docker build of ${source.dockerfile} failed at ${step}: ${shown}`, {
    failed: { command: quoteArgv(['docker', ...args]), exitCode: res.exitCode, stderr: res.stderr },
  });
}

/**
 * Create a host: check the -s/-b values → docker build (with --dockerfile) → prepared image → launch (docker run with
 * the init's arguments, or with --from docker create, the copy, docker start; the host key it made pinned, SSH
 * handshake, agent state) → ssh config entry.
 * Any failure (or Ctrl-C) removes what this attempt made: the container (found by its unique id label) and the image
 * built for it.
 */
export async function createHost(core: Core, req: CreateRequest): Promise<CreateResult> {
  const { provider } = req;
  const plan = planCreate(core.prefix, req, generateId(), new Date().toISOString());
  for (const w of passthroughWarnings(req)) core.warn(w);
  const { id, container, image } = plan;
  let built = false;
  try {
    if (req.build && plan.buildArgv) {
      await buildFromDockerfile(core, provider, plan, plan.buildArgv, req.build);
      built = true;
    }
    const [prepared, client] = await Promise.all([
      preparedImageFor(core, provider, image),
      ensureClientKey(core.runner, core.dataDir),
    ]);
    return await launchContainer(
      core,
      {
        provider,
        name: req.name,
        containerName: container,
        alias: container,
        // The host makes its own host key at its first boot (the private half never leaves the container); mng pins the public half.
        newHostKey: true,
        argv: plan.launch(prepared.tag, client.publicKey),
        makeMissingImage: () => makePreparedImage(core, provider, image, prepared.baseId),
        imageForMessages: image,
        beforeStart: req.from && (() => copySource(core, provider, container, req.from!)),
        sshUser: 'root',
        sshTimeoutSeconds: req.sshTimeoutSeconds,
        attempt: { label: LABEL.id, value: id },
      },
      async ({ container: c, endpoint, agent }) => {
        await writeHostEntry(core.dataDir, container, endpoint, entryOwner(provider, id));
        const host = hostFromInspect(c, provider);
        if (!host) throw new MngError(`container '${container}' lost its mng labels`);
        return { host: { ...host, ssh: { ...endpoint } }, agent };
      },
    );
  } catch (e) {
    // An interrupted build may still have finished on the daemon: drop its tag too.
    if (built || (req.build && e instanceof InterruptedError)) {
      try {
        await removeBuiltImages({ ...core, runner: core.runner.detached() }, provider, id);
      } catch (err) {
        core.warn(
          `could not remove the image built for the failed create (${builtImageTag(id)}): ${(err as Error).message}`,
        );
      }
    }
    throw e;
  }
}
