import { execa } from 'execa';

/** Run the real docker CLI (tests only); throws with docker's stderr on failure. */
export async function docker(
  args: string[],
  opts: { env?: Record<string, string>; input?: string; reject?: boolean } = {},
) {
  const r = await execa('docker', args, { reject: false, env: opts.env, input: opts.input, stripFinalNewline: true });
  if (r.exitCode !== 0 && opts.reject !== false) {
    throw new Error(`docker ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  }
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export async function inspectContainer(name: string): Promise<any> {
  const r = await docker(['container', 'inspect', name]);
  return JSON.parse(r.stdout)[0];
}

export async function containerExists(name: string): Promise<boolean> {
  const r = await docker(['container', 'inspect', name], { reject: false });
  return r.exitCode === 0;
}

export async function imageExists(ref: string): Promise<boolean> {
  return (await docker(['image', 'inspect', ref], { reject: false })).exitCode === 0;
}

/** Names of containers whose name contains `fragment`. */
export async function containersNamed(fragment: string): Promise<string[]> {
  const r = await docker(['ps', '-a', '--filter', `name=${fragment}`, '--format', '{{.Names}}']);
  return r.stdout.split('\n').filter(Boolean);
}

/**
 * Remove every container (with its anonymous volumes), network and volume whose name contains `fragment`, every image
 * labelled `imageLabel` and every image whose reference matches `imageReference` (a docker reference filter, e.g.
 * `mng-snapshot/PREFIX*`), on the daemon `env` names (default: the local one).
 */
export async function removeTestObjects(
  fragment: string,
  imageLabel?: string,
  imageReference?: string,
  env?: Record<string, string>,
): Promise<void> {
  const list = async (args: string[]) => [
    ...new Set((await docker(args, { env, reject: false })).stdout.split('\n').filter(Boolean)),
  ];
  const ids = await list(['ps', '-aq', '--filter', `name=${fragment}`]);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids], { env, reject: false });
  if (imageReference) {
    const refs = await list([
      'images',
      '--format',
      '{{.Repository}}:{{.Tag}}',
      '--filter',
      `reference=${imageReference}`,
    ]);
    if (refs.length) await docker(['rmi', '-f', ...refs], { env, reject: false });
  }
  if (imageLabel) {
    // One `docker rmi -f` refuses an image whose child comes later in its list ("has dependent child images"), and
    // mng's prepared images are chains (base, tools, files): again while each pass removes something.
    let before = Infinity;
    for (;;) {
      const imgs = await list(['images', '-q', '--filter', `label=${imageLabel}`]);
      if (imgs.length === 0 || imgs.length >= before) break;
      before = imgs.length;
      await docker(['rmi', '-f', ...imgs], { env, reject: false });
    }
  }
  const nets = await list(['network', 'ls', '-q', '--filter', `name=${fragment}`]);
  if (nets.length) await docker(['network', 'rm', ...nets], { env, reject: false });
  const vols = await list(['volume', 'ls', '-q', '--filter', `name=${fragment}`]);
  if (vols.length) await docker(['volume', 'rm', '-f', ...vols], { env, reject: false });
}

/** Build `tag` FROM `from` with this run's label (one quick layer of config): what is built on it carries the label. */
export async function buildLabelled(tag: string, from: string, runId: string, extra = ''): Promise<string> {
  await docker(['build', '-q', '-t', tag, '-'], { input: `FROM ${from}\nLABEL mngtest.run=${runId}\n${extra}` });
  return tag;
}

/**
 * `tag`, built from the folder `context` with `buildArgs` when the daemon does not have it yet: a cache kept from run to
 * run (without the run's label), for a fixture whose build is slow (apt-get). Name `tag` after what it is built from.
 */
export async function cachedImage(tag: string, context: string, buildArgs: Record<string, string>): Promise<string> {
  if (await imageExists(tag)) return tag;
  const args = Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  await docker(['build', '-q', '-t', tag, ...args, context]);
  return tag;
}
