import { type AddressInfo, createServer } from 'node:net';
import { docker } from './docker.js';
import type { Sandbox } from './sandbox.js';

// Throwaway servers for the network tests: plain containers of the run's base image on the test's own Docker
// networks, named with the sandbox's prefix so its cleanup removes them (and the networks) even after a failure.
// The base image has perl (perl-base), so a server is a few lines of it: no image to build or pull.

/** A user-defined test network (inter-container traffic on, a route out): `${prefix}tn-${name}`. */
export async function testNetwork(prefix: string, name: string): Promise<string> {
  const net = `${prefix}tn-${name}`;
  await docker(['network', 'create', net]);
  return net;
}

/**
 * An HTTP server on `network` as `${prefix}${name}` (that name resolves on the network), answering every request with
 * `hello from NAME` and printing each request line to its log. Resolves once it listens.
 */
export async function startHttpServer(
  image: string,
  prefix: string,
  name: string,
  network: string,
  port = 8080,
): Promise<{ container: string; ip: string }> {
  const container = `${prefix}${name}`;
  const script = [
    '$| = 1;',
    `my $s = IO::Socket::INET->new(LocalPort => ${port}, Listen => 20, ReuseAddr => 1) or die "listen: $!";`,
    'print "listening\\n";',
    'while (my $c = $s->accept) {',
    '  my $l = <$c>; print "request: $l";',
    '  while (my $h = <$c>) { last if $h =~ /^\\r?$/ }',
    `  print $c "HTTP/1.0 200 OK\\r\\nConnection: close\\r\\n\\r\\nhello from ${name}\\n"; close $c;`,
    '}',
  ].join('\n');
  await docker([
    'run',
    '-d',
    '--name',
    container,
    '--network',
    network,
    '--entrypoint',
    'perl',
    image,
    '-MIO::Socket::INET',
    '-e',
    script,
  ]);
  for (let i = 0; i < 100; i++) {
    if ((await docker(['logs', container])).stdout.includes('listening')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ip = (await docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', container]))
    .stdout;
  return { container, ip: ip.trim() };
}

/** The request lines a test server has received so far. */
export async function requestsSeen(container: string): Promise<string[]> {
  const out = (await docker(['logs', container])).stdout;
  return out.split('\n').filter((l) => l.startsWith('request: '));
}

/**
 * Inside mng host NAME, in the background: an HTTP server on `port` answering `hello from NAME`. Resolves once it
 * accepts connections inside the host.
 */
export async function serveInHost(sb: Sandbox, name: string, port: number): Promise<void> {
  const perl = [
    `$s = IO::Socket::INET->new(LocalPort => ${port}, Listen => 20, ReuseAddr => 1) or die;`,
    'while ($c = $s->accept) { while (<$c>) { last if /^\\r?$/ }',
    `  print $c "HTTP/1.0 200 OK\\r\\nConnection: close\\r\\n\\r\\nhello from ${name}\\n"; close $c }`,
  ].join(' ');
  const r = await sb.mng([
    'exec',
    name,
    '--',
    'sh',
    '-c',
    `nohup perl -MIO::Socket::INET -e '${perl}' >/dev/null 2>&1 &`,
  ]);
  if (r.exitCode !== 0) throw new Error(`could not start a server in ${name}: ${r.stderr}`);
  for (let i = 0; i < 100; i++) {
    const probe = await sb.mng(['exec', name, '--', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
    if (probe.exitCode === 0) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`the server in ${name} does not listen on ${port}`);
}

/** A port that was free on 127.0.0.1 a moment ago (the kernel's choice, so parallel tests do not pick the same). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:PORT/ from this machine: the body, or the error's code. */
export async function getLocal(port: number): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
    return await res.text();
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return `error: ${cause?.code ?? (e as Error).name}`;
  }
}
