import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderConfig } from '../config/config.js';
import {
  buildCopyInArgs, buildCreateArgs, buildInspectArgs, buildListIdsArgs, buildRemoveArgs, buildStartArgs,
} from '../docker/args.js';
import { dockerReason } from '../docker/errors.js';
import { parseContainerInspect, parseIdLines, publishedPort } from '../docker/inspect.js';
import { InterruptedError, MngError } from '../errors.js';
import type { SshEndpoint } from '../ssh/args.js';
import { updateSshConfig } from '../ssh/config.js';
import { ensureKeys } from '../ssh/keys.js';
import { version } from '../version.js';
import { agentCommandLine, containerFiles, parseAgentProbe, type AgentSpec, type AgentState } from './container-files.js';
import { daemonOf, type Core } from './context.js';
import { hostFromInspect, type Host } from './hosts.js';
import { prepareImage } from './image.js';
import { encodeLabels, LABEL } from './labels.js';
import { containerName, generateId } from './naming.js';
import { waitForSsh } from './ssh-wait.js';

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

    const start = await core.runner.docker(daemon, buildStartArgs([container]), { check: false });
    if (start.exitCode !== 0) throw new MngError(`docker start failed: ${dockerReason(start.stderr)}`);

    const inspect = await core.runner.docker(daemon, buildInspectArgs([container]));
    const [c] = parseContainerInspect(inspect.stdout);
    const published = publishedPort(c);
    if (!published) {
      throw new MngError(`container '${container}' has no published SSH port (did a -s flag change the network?)`);
    }
    const endpoint: SshEndpoint = { user: 'root', host: published.host === '0.0.0.0' ? '127.0.0.1' : published.host, port: published.port };

    core.progress(`Waiting for sshd on ${endpoint.host}:${endpoint.port}`);
    const probe = await waitForSsh(core, provider, container, endpoint, keys, req.sshTimeoutSeconds);
    const agent = parseAgentProbe(probe);
    if (agent.state === 'missing') {
      throw new MngError(`agent command '${agent.program}' is not on the PATH of image '${image}'`, {
        hint: 'install it in the image (for example with --dockerfile), or pass a whole command line with --agent-cmd',
      });
    }
    await updateSshConfig(core.dataDir, [{ alias: container, endpoint }], keys);
    const host = hostFromInspect(c);
    if (!host) throw new MngError(`container '${container}' lost its mng labels`);
    return { host: { ...host, ssh: { ...endpoint } }, agent };
  } catch (e) {
    if (staging) await rm(staging, { recursive: true, force: true });
    if (e instanceof InterruptedError) core.warn('interrupted: removing the half-made container');
    await removeAttempt(core, provider, id);
    throw e;
  }
}
