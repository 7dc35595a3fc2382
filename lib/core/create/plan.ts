// What a create will run, decided up front and without I/O: the one source of the docker argv for both a real run
// and --dry-run.

import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ProviderConfig } from '../../config/config.js';
import { buildBuildArgs } from '../../docker/args.js';
import type { IdleSettings } from '../../docker/idle-args.js';
import type { Daemon } from '../../docker/daemon.js';
import { UsageError } from '../../errors.js';
import { quoteArgv } from '../../shell.js';
import type { AgentType } from '../../config/agent-types.js';
import { version } from '../../version.js';
import { secretStartArgWarnings } from '../agents/secret-args.js';
import { DEFAULT_AGENT_USER } from '../agents/user-layer.js';
import type { Source } from '../code/source.js';
import { type AgentSpec, agentCommandLine } from '../container/agent.js';
import { initArgs } from '../container/scripts.js';
import { type LaunchArgv, planLaunch } from '../launch/argv.js';
import { idleSettingsFor } from '../model/idle.js';
import { builtImageTag, type HostLabels, sealLabels } from '../model/labels.js';
import { publishedStateDir } from '../model/agent-state.js';
import { sshAlias } from '../model/host.js';
import { containerName } from '../model/naming.js';
import { type EgressPolicy, OPEN } from '../network/egress.js';
import { checkEgressArgs, sharedNetworkWarning } from '../network/passthrough.js';
import { redactEnv, redactedText } from '../model/start-args.js';
import { bindMountSources, checkBuildArgs, checkStartArgs } from './passthrough.js';
import { startArgWarnings } from './start-warnings.js';

/** A Dockerfile to build the host's image from, both paths absolute. */
export interface BuildSource {
  dockerfile: string;
  /** the build context folder */
  context: string;
}

export interface CreateRequest {
  name: string;
  /** the provider instance's configuration (its defaults) */
  provider: ProviderConfig;
  /** its daemon, for this command */
  daemon: Daemon;
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
  /** --egress, else the provider's default_egress (with the agent's own endpoints added); absent: open */
  egress?: EgressPolicy;
  /** a coding agent's type (claude, codex, a configured one); `agent` is then its program with its arguments */
  agentType?: AgentType;
  /** the version of the agent to install (built-ins; createHost chooses it) */
  agentVersion?: string;
  /** --pass-env: names of the user's variables handed to the agent at every start */
  passEnv?: string[];
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
  const is = (p: string, what: 'isFile' | 'isDirectory') =>
    stat(p).then(
      (st) => st[what](),
      () => false,
    );
  if (!(await is(file, 'isFile'))) throw new UsageError(`--dockerfile ${dockerfile}: no such file`);
  if (!(await is(dir, 'isDirectory'))) throw new UsageError(`--dockerfile-context ${context ?? dir}: no such folder`);
  return { dockerfile: file, context: dir };
}

/** Everything a create will run, decided up front and without I/O. */
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
  /** run (or create and start) argv for the image that will really run (mng's prepared one), with this machine's public key, as the agent's user, with mng's network flags */
  launch: (
    runImage: string,
    authorizedKey: string,
    user?: string,
    network?: { flags: string[]; publishSsh: boolean },
  ) => LaunchArgv;
}

/** The -s and -b values checked: a usage error (exit 2) for one that would break the host, before anything exists. */
export function checkPassthrough(req: CreateRequest): { startArgs: string[]; buildArgs: string[] } {
  const { provider } = req;
  const startArgs = [...provider.default_start_args, ...req.startArgs];
  checkEgressArgs(req.egress ?? OPEN, startArgs);
  const startProblem = checkStartArgs(startArgs);
  if (startProblem) {
    const fromConfig = startProblem.index < provider.default_start_args.length;
    const where = fromConfig ? `default_start_args of provider '${provider.name}': ` : '-s ';
    throw new UsageError(
      `${where}${redactedText(startProblem.text)}: ${startProblem.message}`,
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
  return { startArgs, buildArgs };
}

/** Check the pass-through arguments and lay out the docker commands (see checkStartArgs for what is refused). */
export function planCreate(
  prefix: string,
  req: CreateRequest,
  id: string,
  createdAt: string,
  dataDir?: string,
): CreatePlan {
  const { provider } = req;
  const { startArgs, buildArgs } = checkPassthrough(req);
  // -e KEY=VALUE values reach docker run only: the label, -v, --dry-run and errors show them redacted
  const shownStartArgs = redactEnv(startArgs, id);
  const container = containerName(prefix, req.name);
  const image = req.build ? builtImageTag(id) : (req.image ?? provider.default_image);
  const idle = idleSettingsFor(req.idleTimeout ?? provider.default_idle_timeout, req.idleCheckInterval);
  const hostLabels = labelsOf(prefix, req, { id, createdAt, image, idle, startArgs: shownStartArgs });
  // the user is the prepared image's (known at launch): the digest covers it
  const labelsFor = (sshUser: string) => sealLabels({ ...hostLabels, sshUser }, container);
  // a local daemon's host publishes its state lines there (core/model/agent-state.ts)
  const stateDir = dataDir && publishedStateDir(dataDir, req.daemon, sshAlias(container, provider.name));
  return {
    id,
    container,
    image,
    labels: labelsFor(DEFAULT_AGENT_USER),
    startArgs,
    buildArgv: req.build && buildBuildArgs({ ...req.build, tag: image, buildArgs }),
    launch: (runImage, authorizedKey, user = DEFAULT_AGENT_USER, network = { flags: [], publishSsh: true }) =>
      planLaunch(
        {
          ...launchNetwork(network),
          containerName: container,
          image: runImage,
          labels: labelsFor(user),
          startArgs,
          idle,
          workdir: req.from?.target,
          initArgs: initArgs({
            hostId: id,
            agent: req.agent,
            authorizedKey,
            user,
            awaitDelivery: Boolean(req.agentType || req.passEnv?.length),
            chown: req.from?.target,
          }),
          stateDir,
        },
        shownStartArgs,
      ),
  };
}

/** A new host's labels, before they are sealed (create's values, its idle settings, its start args as shown). */
function labelsOf(
  prefix: string,
  req: CreateRequest,
  v: { id: string; createdAt: string; image: string; idle: IdleSettings; startArgs: string[] },
): HostLabels {
  const { id, createdAt, image, idle } = v;
  const { provider } = req;
  return {
    id,
    name: req.name,
    prefix,
    provider: provider.name,
    tags: req.tags,
    idleTimeout: idle.timeoutSeconds,
    idleCheckInterval: idle.intervalSeconds,
    agentCommand: agentCommandLine(req.agent),
    createdAt,
    version: version(),
    image,
    startArgs: v.startArgs,
    sshUser: DEFAULT_AGENT_USER,
    egress: req.egress,
    from: req.from && { kind: req.from.kind, path: req.from.path, commit: req.from.commit, target: req.from.target },
    agentType: req.agentType?.name,
    agentVersion: req.agentVersion,
    passEnv: req.passEnv,
  };
}

/** mng's network flags as the launch takes them (none given: mng's default network, sshd published). */
function launchNetwork(network: { flags: string[]; publishSsh: boolean }) {
  return { network: network.flags, publishSsh: network.publishSsh };
}

/** Warnings about pass-through arguments that docker will take but that may not do what the user expects. */
export function passthroughWarnings(req: CreateRequest): string[] {
  const all = [...req.provider.default_start_args, ...req.startArgs];
  const out: string[] = [...startArgWarnings(all), ...secretStartArgWarnings(req.startArgs)];
  if (!req.build && (req.buildArgs ?? []).length > 0) {
    out.push(
      `-b values go to docker build, which runs only with --dockerfile; ignored: ${quoteArgv(req.buildArgs ?? [])}`,
    );
  }
  const shared = sharedNetworkWarning([...req.provider.default_start_args, ...req.startArgs]);
  if (shared) out.push(shared);
  if (req.daemon.via === 'host') {
    for (const source of bindMountSources([...req.provider.default_start_args, ...req.startArgs])) {
      out.push(
        `the bind mount source ${source} is a path on the machine of provider '${req.provider.name}' (${req.daemon.address}), not on this one`,
      );
    }
  }
  return out;
}
