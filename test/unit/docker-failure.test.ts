import { describe, expect, it } from 'vitest';
import { classifyDockerFailure, type DockerFailure } from '../../lib/docker/errors.js';

// stderr of failed docker calls, captured from the real daemon (docker client 28.2.2, engine 20.10.24+dfsg1, API 1.41,
// Debian 12), with the command that printed it. Ids and ports are as they came.
const CAPTURED: [string, string, DockerFailure][] = [
  ['docker container inspect rstr-nope', 'Error response from daemon: No such container: rstr-nope\n', 'gone'],
  [
    'docker container inspect rstr-a rstr-nope (one of two is gone)',
    'Error response from daemon: No such container: rstr-nope\n',
    'gone',
  ],
  ['docker stop rstr-nope', 'Error response from daemon: No such container: rstr-nope\n', 'gone'],
  [
    'docker start rstr-nope',
    'Error response from daemon: No such container: rstr-nope\nError: failed to start containers: rstr-nope\n',
    'gone',
  ],
  ['docker commit rstr-nope rstr-img:x', 'Error response from daemon: No such container: rstr-nope\n', 'gone'],
  ['docker exec rstr-nope true', 'Error response from daemon: No such container: rstr-nope\n', 'gone'],
  ['docker logs rstr-nope', 'Error response from daemon: No such container: rstr-nope\n', 'gone'],
  [
    'docker rename rstr-nope rstr-nope2',
    'Error response from daemon: No such container: rstr-nope\nError: failed to rename container named rstr-nope\n',
    'gone',
  ],
  ['docker cp rstr-nope:/etc/hostname x', 'Error response from daemon: No such container: rstr-nope\n', 'gone'],
  [
    'docker image inspect rstr-noimage:latest',
    'Error response from daemon: no such image: rstr-noimage:latest: No such image: rstr-noimage:latest\n',
    'no such image',
  ],
  [
    'docker rmi rstr-noimage:latest',
    'Error response from daemon: No such image: rstr-noimage:latest\n',
    'no such image',
  ],
  [
    'docker create --pull=never --name rstr-x rstr-noimage:latest',
    'Error response from daemon: No such image: rstr-noimage:latest\n',
    'no such image',
  ],
  [
    'docker run --detach --pull=never --name rstr-x rstr-noimage:latest',
    "docker: Error response from daemon: No such image: rstr-noimage:latest\n\nRun 'docker run --help' for more information\n",
    'no such image',
  ],
  [
    'DOCKER_HOST=tcp://127.0.0.1:1 docker ps',
    'Cannot connect to the Docker daemon at tcp://127.0.0.1:1. Is the docker daemon running?\n',
    'unreachable',
  ],
  [
    'DOCKER_HOST=unix:///tmp/rstr/none.sock docker container inspect x',
    'Cannot connect to the Docker daemon at unix:///tmp/rstr/none.sock. Is the docker daemon running?\n',
    'unreachable',
  ],
  [
    'DOCKER_HOST=ssh://nobody@127.0.0.1:1 docker ps',
    'error during connect: Get "http://docker.example.com/v1.50/containers/json": command [ssh -o ConnectTimeout=30 -T -l nobody -p 1 -- 127.0.0.1 docker system dial-stdio] has exited with exit status 255, make sure the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n\n',
    'unreachable',
  ],
  [
    'docker create --name rstr-a debian:bookworm-slim (the name is taken)',
    'Error response from daemon: Conflict. The container name "/rstr-a" is already in use by container "0cbcb6e5495c0bc54e73288dd3395eb6364c0e130b3b6e17f0c6b97e519bd66f". You have to remove (or rename) that container to be able to reuse that name.\n',
    'name taken',
  ],
  [
    'docker run --detach --name rstr-a debian:bookworm-slim (the name is taken)',
    'docker: Error response from daemon: Conflict. The container name "/rstr-a" is already in use by container "0cbcb6e5495c0bc54e73288dd3395eb6364c0e130b3b6e17f0c6b97e519bd66f". You have to remove (or rename) that container to be able to reuse that name.\n\nRun \'docker run --help\' for more information\n',
    'name taken',
  ],
  [
    'docker rename rstr-b rstr-a (the name is taken)',
    'Error response from daemon: Error when allocating new name: Conflict. The container name "/rstr-a" is already in use by container "0cbcb6e5495c0bc54e73288dd3395eb6364c0e130b3b6e17f0c6b97e519bd66f". You have to remove (or rename) that container to be able to reuse that name.\nError: failed to rename container named rstr-b\n',
    'name taken',
  ],
  [
    'docker run --detach -p 127.0.0.1:41234:80 ... (another container holds the port)',
    "docker: Error response from daemon: driver failed programming external connectivity on endpoint rstr-p2 (b7200803aab031576b38f1ae98276f99ad4e06647b75db6777a3f1d825bee339): Bind for 127.0.0.1:41234 failed: port is already allocated\n\nRun 'docker run --help' for more information\n",
    'port taken',
  ],
  [
    'docker start rstr-p2 (another container holds the port)',
    'Error response from daemon: driver failed programming external connectivity on endpoint rstr-p2 (ce440151f7899d75a1b3ee0eab29eb1a7f44d144a9925358bfc0d69d2b211b09): Bind for 127.0.0.1:41234 failed: port is already allocated\nError: failed to start containers: rstr-p2\n',
    'port taken',
  ],
  [
    'docker run --detach -p 127.0.0.1:41235:80 ... (a process outside docker holds the port)',
    "docker: Error response from daemon: driver failed programming external connectivity on endpoint rstr-p3 (87b76ca7e7d1d765309b2b1ad014457adda263dfcb182064639b92c780af69c5): Error starting userland proxy: listen tcp4 127.0.0.1:41235: bind: address already in use\n\nRun 'docker run --help' for more information\n",
    'port taken',
  ],
  [
    'docker start rstr-a (paused)',
    'Error response from daemon: cannot start a paused container, try unpause instead\nError: failed to start containers: rstr-a\n',
    'paused',
  ],
  [
    'docker exec rstr-a true (paused)',
    'Error response from daemon: Container rstr-a is paused, unpause the container before exec\n',
    'paused',
  ],
  [
    'docker exec rstr-a true (stopped)',
    'Error response from daemon: Container 0cbcb6e5495c0bc54e73288dd3395eb6364c0e130b3b6e17f0c6b97e519bd66f is not running\n',
    'not running',
  ],
  [
    'docker logs rstr-n (--log-driver=none)',
    'Error response from daemon: configured logging driver does not support reading\n',
    'logs unreadable',
  ],
  [
    'docker run --rm --entrypoint /bin/nosuchsh debian:bookworm-slim -c true',
    'docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/bin/nosuchsh": stat /bin/nosuchsh: no such file or directory: unknown\n\nRun \'docker run --help\' for more information\n',
    'command not found',
  ],
  [
    'docker rmi rstr-img:one (a container uses it)',
    'Error response from daemon: conflict: unable to remove repository reference "rstr-img:one" (must force) - container 247e476c9a14 is using its referenced image 9a156521c7e3\n',
    'in use',
  ],
  [
    'docker rmi 9a156521c7e3 (a stopped container uses it)',
    'Error response from daemon: conflict: unable to delete 9a156521c7e3 (must be forced) - image is being used by stopped container 247e476c9a14\n',
    'in use',
  ],
  [
    'docker rmi 9a156521c7e3 (an image was built from it)',
    'Error response from daemon: conflict: unable to delete 9a156521c7e3 (cannot be forced) - image has dependent child images\n',
    'in use',
  ],
  [
    'docker rmi -f=false 231dd8450cb1 (a running container uses it)',
    'Error response from daemon: conflict: unable to delete 231dd8450cb1 (cannot be forced) - image is being used by running container 40286fa41bb5\n',
    'in use',
  ],
  [
    'docker pull rstr-noimage:latest (the daemon answered; the registry did not)',
    'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host\n',
    'other',
  ],
  [
    'docker context inspect rstr-noctx',
    'context "rstr-noctx": context not found: open /root/.docker/contexts/meta/44f899e02828b818d0258611535755f7f86288b56398dafe43ee3eb3c3568c15/meta.json: no such file or directory\n',
    'other',
  ],
];

describe('classifyDockerFailure, on stderr captured from the real daemon', () => {
  it.each(CAPTURED)('%s → %j', (_command, stderr, kind) => {
    expect(classifyDockerFailure(stderr)).toBe(kind);
  });

  it('covers every kind mng acts on', () => {
    const kinds = new Set(CAPTURED.map(([, , k]) => k));
    for (const k of [
      'gone',
      'no such image',
      'unreachable',
      'name taken',
      'port taken',
      'paused',
      'not running',
      'logs unreadable',
      'command not found',
      'in use',
      'other',
    ] satisfies DockerFailure[])
      expect(kinds).toContain(k);
  });

  it('is "other" for nothing at all', () => {
    expect(classifyDockerFailure('')).toBe('other');
  });
});
