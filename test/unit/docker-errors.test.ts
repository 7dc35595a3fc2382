import { describe, expect, it } from 'vitest';
import { PROVIDER_DEFAULTS } from '../../lib/config/config.js';
import { chooseDaemon, type Daemon } from '../../lib/docker/daemon.js';
import {
  classifyDockerFailure,
  DockerError,
  dockerError,
  dockerReason,
  meaningfulLines,
} from '../../lib/docker/errors.js';
import { MngError } from '../../lib/errors.js';

/** The daemon of provider NAME with `host`, in environment `env`. */
const daemon = (name: string, host = '', env: Record<string, string> = {}): Daemon =>
  chooseDaemon({ name, ...PROVIDER_DEFAULTS, host }, env);
const isDaemonUnreachable = (stderr: string) => classifyDockerFailure(stderr) === 'unreachable';
/** What the runner's allowMissing takes as an answer. */
const isMissing = (stderr: string) => ['gone', 'no such image'].includes(classifyDockerFailure(stderr));

// stderr as docker actually prints it (client 28 / engine 20.10, and older clients)
const SOCKET_DOWN =
  'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n';
const TCP_DOWN_OLD_CLIENT =
  'error during connect: Get "http://127.0.0.1:1/v1.41/containers/json?all=1": dial tcp 127.0.0.1:1: connect: connection refused\n';
const SSH_DOWN =
  'error during connect: Get "http://docker.example.com/v1.41/info": command [ssh -o ConnectTimeout=30 -T -l me -- srv docker system dial-stdio] has exited with exit status 255, make sure the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=ssh: connect to host srv port 22: Connection refused\n';
const NO_CONTAINER = 'Error response from daemon: No such container: x\n';
const NO_IMAGE = 'Error: No such image: y\n';
const NO_IMAGE_NEW = 'Error response from daemon: no such image: y: No such image: y:latest\n';
const CONFLICT_OLD =
  'docker: Error response from daemon: Conflict. The container name "/x" is already in use by container "3f2a9c". You have to remove (or rename) that container to be able to reuse that name.\nSee \'docker run --help\'.\n';
const CONFLICT_NEW =
  'docker: Error response from daemon: Conflict. The container name "/x" is already in use by container "3f2a9c". You have to remove (or rename) that container to be able to reuse that name.\n\nRun \'docker run --help\' for more information\n';
const LEGACY_BANNER = [
  'DEPRECATED: The legacy builder is deprecated and will be removed in a future release.',
  '            Install the buildx component to build images with BuildKit:',
  '            https://docs.docker.com/go/buildx/',
  '',
].join('\n');
// the daemon answered, but could not reach a registry: not "daemon unreachable"
const PULL_REFUSED =
  'Unable to find image \'nosuch:1\' locally\nError response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp 54.1.2.3:443: connect: connection refused\n';
const BUILD_FROM_TIMEOUT = `${LEGACY_BANNER}\nSending build context to Docker daemon  2.048kB\nStep 1/1 : FROM nosuch:1\nGet "https://registry-1.docker.io/v2/": dial tcp 54.1.2.3:443: i/o timeout\n`;

describe('meaningfulLines', () => {
  it('drops the legacy-builder banner and blank lines, keeps the rest in order', () => {
    expect(meaningfulLines(`${LEGACY_BANNER}\n\nStep 1/2 : FROM x\nerror: boom  \n`)).toEqual([
      'Step 1/2 : FROM x',
      'error: boom',
    ]);
  });

  it('is empty for empty stderr', () => {
    expect(meaningfulLines('')).toEqual([]);
    expect(meaningfulLines('\n  \n')).toEqual([]);
  });
});

describe('dockerReason', () => {
  it('strips the "Error response from daemon:" wrapping', () => {
    expect(dockerReason(NO_CONTAINER)).toBe('No such container: x');
  });

  it('strips "Error: "', () => {
    expect(dockerReason(NO_IMAGE)).toBe('No such image: y');
  });

  it('strips "docker: " and the old trailing "See \'docker run --help\'." line', () => {
    expect(dockerReason(CONFLICT_OLD)).toBe(
      'Conflict. The container name "/x" is already in use by container "3f2a9c". You have to remove (or rename) that container to be able to reuse that name.',
    );
  });

  it('ignores the newer "Run \'docker run --help\' for more information" line', () => {
    expect(dockerReason(CONFLICT_NEW)).toBe(
      'Conflict. The container name "/x" is already in use by container "3f2a9c". You have to remove (or rename) that container to be able to reuse that name.',
    );
  });

  it('removes an inline "See \'docker X --help\'." suffix on the same line', () => {
    expect(dockerReason("docker: invalid reference format. See 'docker run --help'.")).toBe('invalid reference format');
  });

  it('ignores the legacy-builder DEPRECATED banner', () => {
    const stderr = `${LEGACY_BANNER}unable to prepare context: path "/nope" not found\n`;
    expect(dockerReason(stderr)).toBe('unable to prepare context: path "/nope" not found');
    expect(dockerReason(stderr)).not.toMatch(/DEPRECATED|buildx/);
  });

  it('with only the banner says there was no error output', () => {
    expect(dockerReason(LEGACY_BANNER)).toBe('no error output');
    expect(dockerReason('')).toBe('no error output');
  });

  it('picks the last error-looking line over trailing usage noise', () => {
    const stderr =
      "unknown flag: --bogus\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'docker run --help' for more information\n";
    expect(dockerReason(stderr)).toBe('unknown flag: --bogus');
  });

  it('falls back to the last line when no line looks like an error', () => {
    expect(dockerReason('step one\nstep two\nsomething odd happened\n')).toBe('something odd happened');
  });

  it('keeps the daemon message of a failed pull', () => {
    expect(dockerReason(PULL_REFUSED)).toBe(
      'Get "https://registry-1.docker.io/v2/": dial tcp 54.1.2.3:443: connect: connection refused',
    );
  });

  it('reports the registry failure of a legacy build, not the build narration', () => {
    expect(dockerReason(BUILD_FROM_TIMEOUT)).toBe(
      'Get "https://registry-1.docker.io/v2/": dial tcp 54.1.2.3:443: i/o timeout',
    );
  });

  it('returns one line', () => {
    for (const s of [SOCKET_DOWN, TCP_DOWN_OLD_CLIENT, CONFLICT_NEW, BUILD_FROM_TIMEOUT])
      expect(dockerReason(s)).not.toContain('\n');
  });
});

describe('the unreachable kind', () => {
  it.each([
    ['socket down', SOCKET_DOWN],
    [
      'tcp daemon down (client 28)',
      'Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?\n',
    ],
    ['tcp daemon down (older client)', TCP_DOWN_OLD_CLIENT],
    ['ssh daemon host down', SSH_DOWN],
  ])('is true for %s', (_what, stderr) => {
    expect(isDaemonUnreachable(stderr)).toBe(true);
  });

  it.each([
    ['no such container', NO_CONTAINER],
    ['no such image', NO_IMAGE],
    ['name conflict', CONFLICT_NEW],
    ['legacy builder banner', LEGACY_BANNER],
    ['registry refused during pull (the daemon answered)', PULL_REFUSED],
    ['registry timeout during a legacy build FROM', BUILD_FROM_TIMEOUT],
    [
      'registry DNS failure',
      'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.53:53: no such host\n',
    ],
    ['empty', ''],
  ])('is false for %s', (_what, stderr) => {
    expect(isDaemonUnreachable(stderr)).toBe(false);
  });
});

describe('the kinds allowMissing takes as an answer (gone, no such image)', () => {
  it.each([
    NO_CONTAINER,
    NO_IMAGE,
    NO_IMAGE_NEW,
    'Error response from daemon: No such object: abc\n',
    // a batched inspect where one of several containers is gone
    '[{"Id":"a"}]\nError response from daemon: No such container: b\n',
  ])('is true for %j', (stderr) => {
    expect(isMissing(stderr)).toBe(true);
  });

  it.each([SOCKET_DOWN, CONFLICT_NEW, LEGACY_BANNER, PULL_REFUSED, 'Error: failed to start containers: x\n', ''])(
    'is false for %j',
    (stderr) => {
      expect(isMissing(stderr)).toBe(false);
    },
  );
});

describe('dockerError', () => {
  it('names the provider and the local socket when the default daemon is down, with a hint', () => {
    const e = dockerError(['ps', '--all'], 1, SOCKET_DOWN, daemon('docker'));
    expect(e).toBeInstanceOf(MngError);
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe(
      "cannot reach the Docker daemon of provider 'docker' (the local socket): Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
    );
    expect(e.hint).toMatch(/DOCKER_HOST/);
  });

  it('names the provider host when it has one', () => {
    const e = dockerError(['ps'], 1, TCP_DOWN_OLD_CLIENT, daemon('remote', 'tcp://127.0.0.1:1'));
    expect(e.message).toMatch(
      /^cannot reach the Docker daemon of provider 'remote' \(tcp:\/\/127\.0\.0\.1:1\): error during connect: /,
    );
  });

  it('falls back to $DOCKER_HOST for a provider without a host', () => {
    const e = dockerError(['ps'], 1, SOCKET_DOWN, daemon('docker', '', { DOCKER_HOST: 'tcp://10.9.9.9:2375' }));
    expect(e.message).toContain("provider 'docker' (tcp://10.9.9.9:2375)");
  });

  it('names the docker context a provider without a host follows', () => {
    const d = chooseDaemon(
      { name: 'docker', ...PROVIDER_DEFAULTS },
      {},
      { name: 'far', address: 'tcp://10.0.0.7:2376' },
    );
    const e = dockerError(['ps'], 1, TCP_DOWN_OLD_CLIENT, d);
    expect(e.message).toMatch(/^cannot reach the Docker daemon of provider 'docker' \(docker context far\): /);
  });

  it('is a DockerError of the kind docker said', () => {
    const e = dockerError(['ps'], 1, SOCKET_DOWN, daemon('docker'));
    expect(e).toBeInstanceOf(DockerError);
    expect(e.kind).toBe('unreachable');
    expect(dockerError(['start', 'x'], 1, NO_CONTAINER, daemon('docker')).kind).toBe('gone');
  });

  it("otherwise names the subcommand, the exit code and docker's reason", () => {
    const e = dockerError(['create', '--name', 'x', 'img'], 125, CONFLICT_NEW, daemon('docker'));
    expect(e.message).toBe(
      'docker create failed (exit 125): Conflict. The container name "/x" is already in use by container "3f2a9c". You have to remove (or rename) that container to be able to reuse that name.',
    );
    expect(e.hint).toBeUndefined();
  });

  it('takes the first non-flag token as the subcommand', () => {
    const e = dockerError(
      ['rm', '--force', '--volumes', 'mng-x'],
      1,
      'Error response from daemon: removal of container mng-x is already in progress\n',
      daemon('docker'),
    );
    expect(e.message).toBe('docker rm failed (exit 1): removal of container mng-x is already in progress');
  });

  it('does not blame the daemon for a registry it could not reach', () => {
    const e = dockerError(['pull', '--quiet', 'nosuch:1'], 1, PULL_REFUSED, daemon('docker'));
    expect(e.message).toMatch(/^docker pull failed \(exit 1\): Get "https:\/\/registry-1\.docker\.io\/v2\/"/);
    expect(e.message).not.toMatch(/cannot reach the Docker daemon/);
  });
});

describe('dockerError details', () => {
  it('keeps the command line, its exit code and stderr, as execa does', () => {
    const e = dockerError(['start', 'mng-x'], 1, 'Error response from daemon: boom\n', daemon('docker'));
    expect(e.command).toBe('docker start mng-x');
    expect(e.commandExitCode).toBe(1);
    expect(e.stderr).toBe('Error response from daemon: boom\n');
    expect(e.exitCode).toBe(1);
  });

  it('keeps them for an unreachable daemon too', () => {
    const e = dockerError(['ps'], 1, SOCKET_DOWN, daemon('docker'));
    expect(e.command).toBe('docker ps');
    expect(e.stderr).toBe(SOCKET_DOWN);
  });
});
