import { buildRemoveImagesArgs } from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { InterruptedError, MngError } from '../../errors.js';
import { ensureClientKey } from '../../ssh/keys.js';
import { type AgentCreate, agentSetupFiles, prepareAgentCreate } from '../agents/create-agent.js';
import { copySource } from '../code/source.js';
import type { AgentState } from '../container/agent.js';
import type { Core } from '../core.js';
import { launchHost } from '../launch/launch.js';
import { OPEN } from '../network/egress.js';
import { hostNetwork } from '../network/host-network.js';
import { decodeHost, type Host, sshAlias } from '../model/host.js';
import { builtImageTag, LABEL } from '../model/labels.js';
import { generateId } from '../model/naming.js';
import { buildFromDockerfile } from './build.js';
import { makePreparedImage, preparedImageFor } from './image.js';
import { type CreatePlan, type CreateRequest, checkPassthrough, passthroughWarnings, planCreate } from './plan.js';
import { checkLabelFiles } from './start-warnings.js';

export interface CreateResult {
  host: Host;
  agent: AgentState;
}

/**
 * Drop a failed create's claim on the image built from its Dockerfile (the tag `mng-built:<id>`): the image goes with
 * its last tag, unless mng's prepared image was made from it (then it stays, as that cache's parent). Never throws.
 */
async function removeBuiltImage(core: Core, daemon: Daemon, id: string): Promise<void> {
  try {
    await core.runner.detached().docker(daemon, buildRemoveImagesArgs([builtImageTag(id)]), { allowMissing: true });
  } catch (err) {
    core.warn(
      `could not remove the image built for the failed create (${builtImageTag(id)}): ${(err as Error).message}`,
    );
  }
}

/**
 * The prepared image (with a coding agent's layer) and this machine's key → the launch of the host's container, until
 * its sshd answers; a coding agent gets its sign-in and first-run files while mng waits for sshd.
 */
async function launchNew(core: Core, req: CreateRequest, plan: CreatePlan, typed?: AgentCreate): Promise<CreateResult> {
  const { daemon } = req;
  const layer =
    typed?.version && core.agents
      ? { type: typed.type, version: typed.version, cacheDir: core.agents.cacheDir }
      : undefined;
  const [prepared, client] = await Promise.all([
    preparedImageFor(core, daemon, plan.image, layer),
    ensureClientKey(core.runner, core.dataDir),
  ]);
  const setup = typed ? await agentSetupFiles(core, typed.type, req.from?.target ?? prepared.workdir) : [];
  // what the delivery reads of this host, from the request itself (the labels written are the same values)
  const labels = { name: req.name, sshUser: prepared.user, agentType: req.agentType?.name, passEnv: req.passEnv };
  const from = req.from;
  const network = await hostNetwork(core, daemon, {
    id: plan.id,
    egress: req.egress ?? OPEN,
    startArgs: plan.startArgs,
    baseImageId: async () => prepared.baseId,
  });
  const booted = await launchHost(core, {
    daemon,
    name: req.name,
    hostId: plan.id,
    containerName: plan.container,
    finalName: plan.container,
    alias: sshAlias(plan.container, req.provider.name),
    // The host makes its own host key at its first boot (the private half never leaves the container); mng pins the public half.
    newHostKey: true,
    argv: plan.launch(prepared.tag, client.publicKey, prepared.user, network),
    makeMissingImage: () => makePreparedImage(core, daemon, plan.image, prepared, layer),
    makeMissingNetwork: network.makeMissing,
    imageForMessages: plan.image,
    beforeStart: from && (() => copySource(core, daemon, plan.container, from)),
    sshUser: prepared.user,
    sshTimeoutSeconds: req.sshTimeoutSeconds,
    attempt: { label: LABEL.id, value: plan.id },
    deliver: { fresh: true, gathered: typed?.gathered, setup, labels },
  }).catch(async (e) => {
    // the launch removed what it made; what the filter was told of this host goes too
    await network.undo?.();
    throw e;
  });
  const decoded = decodeHost(booted.container, daemon);
  if (!('host' in decoded))
    throw new MngError(`container '${plan.container}' is not as mng made it: ${decoded.problem}`);
  return { host: { ...decoded.host, ssh: { ...booted.endpoint } }, agent: booted.agent };
}

/**
 * Create a host: check the -s/-b values → docker build (with --dockerfile) → prepared image → launch (docker run with
 * the init's arguments, or with --from docker create, the copy, docker start; the host key it made pinned, SSH
 * handshake, agent state, the host's record and ssh entry).
 * Any failure (or Ctrl-C) removes what this attempt made: the container (found by its unique id label) and the image
 * built for it.
 */
export async function createHost(core: Core, request: CreateRequest): Promise<CreateResult> {
  checkPassthrough(request);
  // A coding agent: its sign-in read (and checked) and its version chosen before anything is made.
  const typed = request.agentType && (await prepareAgentCreate(core, request.agentType, request.passEnv ?? []));
  const req = { ...request, agentVersion: typed?.version };
  const plan = planCreate(core.prefix, req, generateId(), new Date().toISOString(), core.dataDir);
  await checkLabelFiles(plan.startArgs);
  for (const w of passthroughWarnings(req)) core.warn(w);
  let built = false;
  try {
    if (req.build && plan.buildArgv) {
      await buildFromDockerfile(core, req.daemon, plan.buildArgv, req.build, plan.image);
      built = true;
    }
    return await launchNew(core, req, plan, typed || undefined);
  } catch (e) {
    // An interrupted build may still have finished on the daemon: drop its tag too.
    if (built || (req.build && e instanceof InterruptedError)) await removeBuiltImage(core, req.daemon, plan.id);
    throw e;
  }
}
