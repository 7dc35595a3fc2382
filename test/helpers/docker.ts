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

/** Remove every container, network and volume whose name contains `fragment`, and every image labelled `label`. */
export async function removeTestObjects(fragment: string, imageLabel?: string): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `name=${fragment}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids], { reject: false });
  if (imageLabel) {
    // One `docker rmi -f` refuses an image whose child comes later in its list ("has dependent child images"), and
    // mng's prepared images are chains (base, tools, files): again while each pass removes something.
    let before = Infinity;
    for (;;) {
      const imgs = [
        ...new Set(
          (await docker(['images', '-q', '--filter', `label=${imageLabel}`])).stdout.split('\n').filter(Boolean),
        ),
      ];
      if (imgs.length === 0 || imgs.length >= before) break;
      before = imgs.length;
      await docker(['rmi', '-f', ...imgs], { reject: false });
    }
  }
  const nets = (await docker(['network', 'ls', '-q', '--filter', `name=${fragment}`])).stdout
    .split('\n')
    .filter(Boolean);
  if (nets.length) await docker(['network', 'rm', ...nets], { reject: false });
  const vols = (await docker(['volume', 'ls', '-q', '--filter', `name=${fragment}`])).stdout
    .split('\n')
    .filter(Boolean);
  if (vols.length) await docker(['volume', 'rm', '-f', ...vols], { reject: false });
}
