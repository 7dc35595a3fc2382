import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderConfig } from '../config/config.js';
import {
  buildCopyInArgs, buildCreateArgs, buildInspectArgs, buildListIdsArgs, buildRemoveArgs, buildStartArgs,
} from '../docker/args.js';
import { dockerReason } from '../docker/errors.js';
import { parseContainerInspect, parseIdLines, publishedPort, type ContainerInspect } from '../docker/inspect.js';
import { InterruptedError, MngError } from '../errors.js';
import { buildSshArgs, type SshEndpoint } from '../ssh/args.js';
import { updateSshConfig } from '../ssh/config.js';
import { ensureKeys, type SshKeys } from '../ssh/keys.js';
import { version } from '../version.js';
import { AGENT_PROBE, agentCommandLine, containerFiles, parseAgentProbe, type AgentSpec, type AgentState } from './container-files.js';
import { daemonOf, type Core } from './context.js';
import { hostFromInspect, sshRoute, type Host } from './hosts.js';
import { prepareImage } from './image.js';
import { encodeLabels, LABEL } from './labels.js';
import { containerName, generateId } from './naming.js';

export interface CreateRequest {
  name: string;
  provider: ProviderConfig;
  /** image to run; the provider's default_image when absent */
  image?: string;
  agent: AgentSpec;
  /** the user's -s values, verbatim */
  startArgs: string[];
  tags: Record<string, string>;
  /** seconds; the provider's default_idle_timeout when absent */
  idleTimeout?: number;
  /** how long to wait for the SSH handshake, in seconds */
  sshTimeoutSeconds: number;
}

export interface CreateResult {
  host: Host;
  agent: AgentState;
}

/** Bounded wait for an SSH handshake with the pinned host key; returns the probe's output. */
async function waitForSsh(core: Core, provider: ProviderConfig, container: string, endpoint: SshEndpoint, keys: SshKeys, timeoutSeconds: number): Promise<string> {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  const args = buildSshArgs(endpoint, keys, AGENT_PROBE, { batch: true, connectTimeoutSeconds: 5 });
  let lastError = '';
  let lastStateCheck = started;
  for (;;) {
    const res = await core.runner.run('ssh', args, { timeoutMs: 15_000 });
    if (res.exitCode === 0) return res.stdout;
    lastError = res.stderr.trim().split('\n').pop() ?? `ssh exit ${res.exitCode}`;
    const now = Date.now();
    if (now >= deadline) {
      throw new MngError(`timed out after ${timeoutSeconds}s waiting for sshd in container '${container}' (step: wait for ssh): ${lastError}`);
    }
    // sshd may have died, taking the container with it: say so at once instead of waiting out the timeout.
    if (now - lastStateCheck >= 1000) {
      lastStateCheck = now;
      const inspect = await core.runner.docker(daemonOf(provider), buildInspectArgs([container]));
      const [c] = parseContainerInspect(inspect.stdout);
      if (c && !c.State.Running) throw await exitedError(core, provider, c);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The error for a container that stopped before sshd answered: its exit code and the last line it logged. */
async function exitedError(core: Core, provider: ProviderConfig, c: ContainerInspect): Promise<MngError> {
  const container = c.Name.replace(/^\//, '');
  const logs = await core.runner.docker(daemonOf(provider), ['logs', '--tail', '5', c.Id], { check: false });
  const last = `${logs.stdout}\n${logs.stderr}`.trim().split('\n').filter(Boolean).pop() ?? '';
  return new MngError(`sshd did not start in container '${container}' (step: wait for ssh): the container exited with code ${c.State.ExitCode}${last ? `: ${last}` : ''}`);
}

/** Remove whatever this create attempt made: found by its unique id label, so an existing host of the same name is never touched. */
async function removeAttempt(core: Core, provider: ProviderConfig, id: string): Promise<void> {
  const runner = core.runner.detached();
  const daemon = daemonOf(provider);
  try {
    const ps = await runner.docker(daemon, buildListIdsArgs(LABEL.id, id));
    const ids = parseIdLines(ps.stdout);
    if (ids.length > 0) await runner.docker(daemon, buildRemoveArgs(ids));
  } catch (e) {
    core.warn(`could not remove the container of the failed create (label ${LABEL.id}=${id}): ${(e as Error).message}`);
  }
}

/**
 * Create a host: prepared image → docker create → copy mng's files in → docker start → SSH handshake with the
 * pinned host key → agent state → ssh config entry. Any failure (or Ctrl-C) after the container exists removes it.
 */
export async function createHost(core: Core, req: CreateRequest): Promise<CreateResult> {
  const { provider } = req;
  const daemon = daemonOf(provider);
  const container = containerName(core.prefix, req.name);
  const image = req.image ?? provider.default_image;
  const runImage = await prepareImage(core, provider, image);
  const keys = await ensureKeys(core.runner, core.dataDir);

  const id = generateId();
  const labels = encodeLabels({
    id,
    name: req.name,
    prefix: core.prefix,
    provider: provider.name,
    tags: req.tags,
    idleTimeout: req.idleTimeout ?? provider.default_idle_timeout,
    agentCommand: agentCommandLine(req.agent),
    createdAt: new Date().toISOString(),
    version: version(),
    image,
    startArgs: [...provider.default_start_args, ...req.startArgs],
    sshUser: 'root',
  });

  let staging: string | undefined;
  try {
    core.progress(`Creating container ${container}`);
    const created = await core.runner.docker(daemon, buildCreateArgs({
      containerName: container,
      image: runImage,
      labels,
      startArgs: [...provider.default_start_args, ...req.startArgs],
    }), { check: false });
    if (created.exitCode !== 0) {
      if (/is already in use/.test(created.stderr)) {
        throw new MngError(`an agent named '${req.name}' already exists on provider '${provider.name}' (container ${container})`, {
          hint: 'pick another name, or remove it with: mng destroy ' + req.name,
        });
      }
      throw new MngError(`docker create failed: ${dockerReason(created.stderr)}`);
    }

    staging = await mkdtemp(join(tmpdir(), 'mng-files-'));
    for (const f of containerFiles({ agent: req.agent, authorizedKey: keys.client.publicKey, hostPrivateKey: keys.hostPrivateKey })) {
      await writeFile(join(staging, f.path), f.content, { mode: f.mode });
    }
    await core.runner.docker(daemon, buildCopyInArgs(staging, container));
    await rm(staging, { recursive: true, force: true });
    staging = undefined;

    // Two daemons on one machine hand out host ports from the same range without knowing of each other:
    // a collision fails the start, and the next start gets the next port.
    let start = await core.runner.docker(daemon, buildStartArgs([container]), { check: false });
    for (let retry = 0; retry < 3 && start.exitCode !== 0 && /port is already allocated|address already in use/i.test(start.stderr); retry++) {
      start = await core.runner.docker(daemon, buildStartArgs([container]), { check: false });
    }
    if (start.exitCode !== 0) throw new MngError(`docker start failed: ${dockerReason(start.stderr)}`);

    const inspect = await core.runner.docker(daemon, buildInspectArgs([container]));
    const [c] = parseContainerInspect(inspect.stdout);
    if (!c.State.Running) throw await exitedError(core, provider, c);
    const endpoint = sshRoute(provider, container, publishedPort(c), 'root');
    if (!endpoint) {
      throw new MngError(`container '${container}' has no published SSH port (did a -s flag change the network?)`);
    }
    core.progress(endpoint.proxyCommand ? `Waiting for sshd (through docker exec on ${provider.host || 'DOCKER_HOST'})` : `Waiting for sshd on ${endpoint.host}:${endpoint.port}`);
    const probe = await waitForSsh(core, provider, container, endpoint, keys, req.sshTimeoutSeconds);
    const agent = parseAgentProbe(probe);
    if (agent.state === 'missing') {
      throw new MngError(`agent command '${agent.program}' is not on the PATH of image '${image}'`, {
        hint: 'install it in the image (for example with --dockerfile), or pass a whole command line with --agent-cmd',
      });
    }
    await updateSshConfig(core.dataDir, [{ alias: container, endpoint }], keys);
    const host = hostFromInspect(c, provider);
    if (!host) throw new MngError(`container '${container}' lost its mng labels`);
    return { host: { ...host, ssh: { ...endpoint } }, agent };
  } catch (e) {
    if (staging) await rm(staging, { recursive: true, force: true });
    if (e instanceof InterruptedError) core.warn('interrupted: removing the half-made container');
    await removeAttempt(core, provider, id);
    throw e;
  }
}
