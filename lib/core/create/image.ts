import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildImageInspectArgs,
  buildPrepareArgs,
  buildPullArgs,
  buildTagArgs,
  buildToolProbeArgs,
} from '../../docker/args.js';
import type { Daemon } from '../../docker/daemon.js';
import { dockerError, dockerReason, meaningfulLines } from '../../docker/errors.js';
import { type ImageInspect, parseImageInspect } from '../../docker/inspect.js';
import { MngError } from '../../errors.js';
import type { RunResult } from '../../process/runner.js';
import { type AgentLayer, agentLayerTag, buildAgentLayer, checkAgentPlatform } from '../agents/install.js';
import { agentUserOf, makeUserImage, userLayerTag } from '../agents/user-layer.js';
import { imageFiles } from '../container/scripts.js';
import type { Core } from '../core.js';

/**
 * Repository of mng's prepared images, tagged by the base image's id: `<id>-g` is the base with sshd, tmux and git
 * (the slow step, once per base), `<id>-g-u` that plus sudo and the agent's user, `<id>-g-u-NAME-VERSION` that plus a
 * coding agent, and `…-<files hash>` that plus mng's fixed files in /mng (quick, once per base and version of those
 * files). Containers run from the second; a new mng version makes a new one, and hosts made from an
 * older one keep their image.
 */
export const PREPARED_REPO = 'mng-prepared';
export const PREPARED_FROM_LABEL = 'mng.prepared-from';

/**
 * Installs sshd, tmux and git (for --from, pull, push, diff, and the agent's own use) with whatever package manager the
 * image has. The host keys a package makes at install time go: they would be the same private keys in every container
 * (mng's sshd uses the host's own key in /mng).
 */
export function preparedDockerfile(baseImage: string): string {
  return `FROM ${baseImage}
RUN set -e; \\
    if command -v apt-get >/dev/null 2>&1; then \\
      export DEBIAN_FRONTEND=noninteractive; \\
      apt-get update -qq; \\
      apt-get install -y -qq --no-install-recommends openssh-server tmux git; \\
      rm -rf /var/lib/apt/lists/*; \\
    elif command -v apk >/dev/null 2>&1; then \\
      apk add --no-cache openssh-server openssh-keygen tmux git; \\
    elif command -v dnf >/dev/null 2>&1; then \\
      dnf install -y openssh-server tmux git; dnf clean all; \\
    elif command -v microdnf >/dev/null 2>&1; then \\
      microdnf install -y openssh-server tmux git; microdnf clean all; \\
    elif command -v yum >/dev/null 2>&1; then \\
      yum install -y openssh-server tmux git; yum clean all; \\
    else \\
      echo "mng: cannot install openssh-server, tmux and git: the image has no apt-get, apk, dnf or yum" >&2; exit 1; \\
    fi; \\
    rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub
`;
}

/** The base image with sshd, tmux and git: `mng-prepared:<base id>-g`. */
export function toolsTag(baseImageId: string): string {
  // `-g`: prepared images with git; those made before mng added git are not reused.
  return `${PREPARED_REPO}:${baseImageId.replace(/^sha256:/, '').slice(0, 12)}-g`;
}

let filesHashMemo: string | undefined;
/** A short hash of mng's fixed files (their names, modes and content): part of the prepared image's tag. */
export function filesHash(): string {
  filesHashMemo ??= createHash('sha256')
    .update(JSON.stringify(imageFiles().map((f) => [f.path, f.mode, f.content])))
    .digest('hex')
    .slice(0, 8);
  return filesHashMemo;
}

/** The image mng's files go on: the base with sshd, tmux, git, the agent's user (and an agent), `<base id>-g-u[-NAME-VERSION]`. */
function filesBaseTag(baseImageId: string, agent?: Pick<AgentLayer, 'type' | 'version'>): string {
  const user = userLayerTag(toolsTag(baseImageId));
  return agent ? agentLayerTag(user, agent.type.name, agent.version) : user;
}

/**
 * The image containers run from: the base with sshd, tmux, git, the agent's user, (an agent,) and mng's fixed files,
 * `mng-prepared:<base id>-g-u[-NAME-VERSION]-<files hash>`.
 */
export function preparedTag(baseImageId: string, agent?: Pick<AgentLayer, 'type' | 'version'>): string {
  return `${filesBaseTag(baseImageId, agent)}-${filesHash()}`;
}

/**
 * The build context (a new folder; the caller removes it) that adds mng's fixed files to `from`: a Dockerfile whose
 * ADD unpacks mng.tar at /, modes kept, so /mng is closed to listing (0711). node-tar makes mng.tar with a fixed time and
 * without this machine's owners: the same files give the same bytes.
 */
export async function filesBuildContext(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mng-context-'));
  try {
    const files = imageFiles();
    await mkdir(join(dir, 'mng'));
    // traversable, not listable, by the agent's user: sshd reads its authorized keys here as that user
    await chmod(join(dir, 'mng'), 0o711);
    for (const f of files) {
      await writeFile(join(dir, 'mng', f.path), f.content);
      await chmod(join(dir, 'mng', f.path), f.mode);
    }
    const { create } = await import('tar');
    await create({ file: join(dir, 'mng.tar'), cwd: dir, portable: true, mtime: new Date(0), noDirRecurse: true }, [
      'mng',
      ...files.map((f) => `mng/${f.path}`),
    ]);
    await writeFile(join(dir, 'Dockerfile'), `FROM ${from}\nADD mng.tar /\n`);
    return dir;
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The image's inspect; pulls it when it is not there locally. */
async function inspectBase(core: Core, daemon: Daemon, image: string): Promise<ImageInspect> {
  let res = await core.runner.docker(daemon, buildImageInspectArgs([image]), { allowMissing: true });
  if (res.exitCode !== 0) {
    core.progress(`Image ${image} is not here; pulling it`);
    const pull = await core.runner.docker(daemon, buildPullArgs(image), { check: false });
    if (pull.exitCode !== 0) {
      throw new MngError(
        `image '${image}' is not on the daemon of provider '${daemon.provider}' and could not be pulled: ${dockerReason(pull.stderr)}`,
        {
          hint: 'build or load the image there first, or name another one',
        },
      );
    }
    res = await core.runner.docker(daemon, buildImageInspectArgs([image]));
  }
  const [img] = parseImageInspect(res.stdout);
  return img;
}

/** What create learns from the base image's one inspect. */
export interface PreparedFor {
  /** the prepared image's tag (its id names it) */
  tag: string;
  baseId: string;
  /** the agent's user (the image's own non-root USER, else `agent`) */
  user: string;
  /** the image's working folder */
  workdir: string;
  /** the image's CPU, as docker names it */
  arch?: string;
}

/** The prepared image's tag for `image` (one inspect of the base image: its id names the tag), and what else it says. */
export async function preparedImageFor(
  core: Core,
  daemon: Daemon,
  image: string,
  agent?: Pick<AgentLayer, 'type' | 'version'>,
): Promise<PreparedFor> {
  const img = await inspectBase(core, daemon, image);
  return {
    tag: preparedTag(img.Id, agent),
    baseId: img.Id,
    user: agentUserOf(img.Config?.User),
    workdir: img.Config?.WorkingDir || '/',
    arch: img.Architecture,
  };
}

/**
 * Make `mng-prepared:<base id>-g-u[-NAME-VERSION]-<files hash>`: mng's files added to the base with sshd, tmux, git,
 * the agent's user (and the agent), each layer made first when missing. create runs this only when `docker create
 * --pull=never` said the tag is missing: the common case (the image was prepared before) costs no inspect of the tag.
 */
export async function makePreparedImage(
  core: Core,
  daemon: Daemon,
  image: string,
  prep: PreparedFor,
  agent?: AgentLayer,
): Promise<void> {
  const { baseId } = prep;
  // an agent its vendor does not ship for this image's CPU: said before anything is built
  if (agent) await checkAgentPlatform(core, { ...agent, arch: prep.arch });
  const tools = toolsTag(baseId);
  const missing = async (tag: string) =>
    (await core.runner.docker(daemon, buildImageInspectArgs([tag]), { allowMissing: true })).exitCode !== 0;
  if (await missing(tools)) await makeToolsImage(core, daemon, image, baseId);
  const user = userLayerTag(tools);
  if (await missing(user)) await makeUserImage(core, daemon, { ...prep, image, from: tools, tag: user });
  const from = filesBaseTag(baseId, agent);
  if (agent && (await missing(from))) {
    await buildAgentLayer(core, daemon, { ...agent, from: user, tag: from, baseId, arch: prep.arch });
  }
  const context = await filesBuildContext(from);
  let build: RunResult;
  try {
    build = await core.runner.docker(
      daemon,
      buildPrepareArgs(preparedTag(baseId, agent), { [PREPARED_FROM_LABEL]: baseId }, context),
      { check: false },
    );
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  if (build.exitCode !== 0) {
    throw new MngError(
      `adding mng's files to image '${image}' failed: ${dockerReason(build.stderr) || meaningfulLines(build.stdout).slice(-3).join(' | ')}`,
    );
  }
}

/**
 * Make `mng-prepared:<base id>-g`: a tag of the base image when it has sshd, tmux, git and ssh-keygen already, else a
 * build that adds them.
 */
async function makeToolsImage(core: Core, daemon: Daemon, image: string, baseId: string): Promise<void> {
  const tag = toolsTag(baseId);
  const probe = await core.runner.docker(daemon, buildToolProbeArgs(baseId), { check: false });
  if (probe.exitCode === 0) {
    await core.runner.docker(daemon, buildTagArgs(baseId, tag));
    return;
  }
  if (probe.failure === 'command not found') {
    throw new MngError(`image '${image}' has no /bin/sh; mng needs a shell in the image to run sshd and the agent`);
  }
  // 125: docker itself could not run the probe container (not the image's answer)
  if (probe.exitCode === 125) throw dockerError(buildToolProbeArgs(baseId), probe.exitCode, probe.stderr, daemon);

  core.progress(`Preparing image ${image}: installing openssh-server, tmux and git (once per image)`);
  const tail: string[] = [];
  const build = await core.runner.docker(daemon, buildPrepareArgs(tag, { [PREPARED_FROM_LABEL]: baseId }), {
    input: preparedDockerfile(baseId),
    check: false,
    onLine: (line) => core.stream(line),
  });
  for (const line of meaningfulLines(`${build.stdout}\n${build.stderr}`)) {
    tail.push(line);
    if (tail.length > 5) tail.shift();
  }
  if (build.exitCode !== 0) {
    throw new MngError(
      `preparing image '${image}' (installing openssh-server, tmux and git) failed: ${dockerReason(build.stderr) || tail.join(' | ')}`,
    );
  }
}
