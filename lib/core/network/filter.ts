// mng's egress filter, as files: the image (squid and socat from the base image's own packages), squid's
// configuration, each host's list as squid ACLs, and the scripts the filter's containers run. Pure.
//
// The path of a request: the agent's program (HTTP_PROXY) → the relay, socat in the daemon machine's network
// namespace listening on the internal network's gateway address only → a unix socket in the filter's volume →
// socat in the filter's container → squid on the filter's own loopback → out through mng's hosts network. squid
// checks the host's credentials, then its list, by the name in the request (CONNECT's for https, the URL's for
// http), before it resolves anything: a name that is not on the list is never looked up.

import { createHash } from 'node:crypto';
import { type EgressEntry, entryText } from './egress.js';
import { FILTER_PORT } from './flags.js';

/** Where the filter keeps its state, in its volume: the socket, and one squid ACL file per host. */
export const FILTER_DIR = '/run/mng-egress';

export const SQUID_CONF = `# mng's egress filter (squid). Every request needs a host's credentials, and is allowed only by that host's list.
http_port 127.0.0.1:3128
pid_filename /run/squid/squid.pid
cache deny all
cache_mem 0 MB
cache_log stdio:/proc/self/fd/2
logformat mng %ts.%03tu %>a %{mng-host}note %Ss/%03>Hs %rm %ru
access_log stdio:/proc/self/fd/1 mng
logfile_rotate 0
coredump_dir /tmp
shutdown_lifetime 1 seconds
pinger_enable off
visible_hostname mng-egress-filter
forwarded_for delete
via off
httpd_suppress_version_string on
auth_param basic program /usr/lib/squid/basic_fake_auth
auth_param basic children 2 startup=1 idle=1
auth_param basic realm mng egress filter
auth_param basic credentialsttl 24 hours
acl mng_authed proxy_auth REQUIRED
# a request for an address, not a name (only these are checked against IP and CIDR entries: no lookup of a name)
acl mng_ip_literal dstdom_regex -n ^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$ ^\\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*\\]?$
# where an allowed name must not lead: this container's own loopback, "this network", link-local (cloud metadata)
acl mng_blocked dst 0.0.0.0/8 127.0.0.0/8 169.254.0.0/16 ::1 fe80::/10
http_access deny !mng_authed
include ${FILTER_DIR}/hosts/*.conf
http_access deny all
`;

/** squid ACL names for one host: its id is hex, so it is safe in a name. */
const acl = (id: string, what: string) => `h${id}_${what}`;

function regexEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One entry → the squid ACLs that match it (none for the port: that is another ACL). */
function entryAcls(id: string, i: number, e: EgressEntry): { lines: string[]; rule: string[] } {
  const name = acl(id, String(i));
  const lines: string[] = [];
  const rule: string[] = [];
  if (e.kind === 'domain') {
    lines.push(`acl ${name} dstdomain -n ${e.name}`);
    rule.push(name);
  } else if (e.kind === 'subdomains') {
    lines.push(`acl ${name} dstdom_regex -n -i \\.${regexEscape(e.name)}$`);
    rule.push(name);
  } else {
    lines.push(`acl ${name} dst ${e.kind === 'cidr' ? `${e.address}/${e.bits}` : e.address}`);
    rule.push('mng_ip_literal', name);
  }
  if (e.kind !== 'cidr' && e.port) {
    lines.push(`acl ${name}p port ${e.port}`);
    rule.push(`${name}p`);
  }
  // a name's address is looked up last, only once everything else about the request is allowed
  if (e.kind === 'domain' || e.kind === 'subdomains') rule.push('!mng_blocked');
  return { lines, rule };
}

/**
 * One host's part of squid's configuration: its credentials (a user name made of its id and a random token, which is
 * all squid checks: basic_fake_auth takes any password), then one rule per entry. squid checks a rule's ACLs left to
 * right and stops at the first that fails: the credentials first, then the name and port, and only for an allowed
 * name the address it resolves to.
 */
export function hostAclConf(id: string, token: string, entries: readonly EgressEntry[]): string {
  const who = acl(id, 'who');
  const out = [
    `# mng host ${id}: ${entries.map(entryText).join(',')}`,
    `acl ${who} proxy_auth ${proxyUser(id, token)}`,
    `note mng-host ${id} ${who}`,
  ];
  entries.forEach((e, i) => {
    const { lines, rule } = entryAcls(id, i, e);
    out.push(...lines, `http_access allow ${who} ${rule.join(' ')}`);
  });
  return `${out.join('\n')}\n`;
}

/** The proxy user name of a host: its id and its token (the filter's password check is the name itself). */
export function proxyUser(id: string, token: string): string {
  return `${id}-${token}`;
}

/** The filter container's main process: socat from the volume's socket to squid, and squid. */
export const FILTER_ENTRY = `# mng egress filter: squid on this container's loopback, reached through ${FILTER_DIR}/proxy.sock.
set -e
mkdir -p /run/squid ${FILTER_DIR}/hosts
chown root:proxy /run/squid && chmod 0770 /run/squid
# squid's include needs at least one file to match
echo '# mng: one file per host with an allow-list' > ${FILTER_DIR}/hosts/_.conf
# squid runs as user proxy and logs to docker's pipes
chmod 0666 /proc/self/fd/1 /proc/self/fd/2 2>/dev/null || true
rm -f ${FILTER_DIR}/proxy.sock
# retry: squid closes its port for a moment while it reads a new host's list
socat UNIX-LISTEN:${FILTER_DIR}/proxy.sock,fork,mode=600 TCP:127.0.0.1:3128,retry=40,interval=0.05 &
exec squid -N -f /etc/squid/mng.conf
`;

/** The relay's main process: the gateway address of the egress network (its only argument) → the filter's socket. */
export const RELAY_ENTRY = `# mng egress relay: listens on the egress network's gateway address only, and passes each connection to the filter.
exec socat TCP-LISTEN:${FILTER_PORT},bind="$1",fork,reuseaddr UNIX-CONNECT:${FILTER_DIR}/proxy.sock
`;

/**
 * `update --add ID BASE64...` writes hosts' lists (each under a temporary name, then renamed into place);
 * `update --remove ID...` deletes them. Then squid reads its configuration again (once it has started: a filter
 * started a moment ago reads the lists itself, but may have read them before this one was written).
 */
export const FILTER_UPDATE = `set -e
dir=${FILTER_DIR}/hosts
mkdir -p "$dir"
op=$1; shift
while [ $# -gt 0 ]; do
  case $op in
    --add) printf '%s' "$2" | base64 -d > "$dir/.$1.tmp"; mv "$dir/.$1.tmp" "$dir/$1.conf"; shift 2 ;;
    --remove) rm -f "$dir/$1.conf"; shift ;;
    *) echo "mng: update: unknown operation $op" >&2; exit 2 ;;
  esac
done
i=0
while [ ! -s /run/squid/squid.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
squid -k reconfigure -f /etc/squid/mng.conf 2>&1 | grep -v 'BCP 177' >&2 || true
[ -s /run/squid/squid.pid ] || { echo "mng: squid is not running in the filter" >&2; exit 1; }
`;

/** The filter image's Dockerfile: squid and socat with the base image's package manager, and mng's files. */
export function filterDockerfile(baseImage: string): string {
  return `FROM ${baseImage}
RUN set -e; \\
    if command -v apt-get >/dev/null 2>&1; then \\
      export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; \\
      apt-get install -y -qq --no-install-recommends squid socat; rm -rf /var/lib/apt/lists/*; \\
    elif command -v apk >/dev/null 2>&1; then apk add --no-cache squid socat; \\
    elif command -v dnf >/dev/null 2>&1; then dnf install -y squid socat; dnf clean all; \\
    else echo "mng: cannot install squid and socat: the image has no apt-get, apk or dnf" >&2; exit 1; fi
RUN mkdir -p /etc/squid /mng-egress && printf '%s' '${b64(SQUID_CONF)}' | base64 -d > /etc/squid/mng.conf \\
 && printf '%s' '${b64(FILTER_ENTRY)}' | base64 -d > /mng-egress/filter \\
 && printf '%s' '${b64(RELAY_ENTRY)}' | base64 -d > /mng-egress/relay \\
 && printf '%s' '${b64(FILTER_UPDATE)}' | base64 -d > /mng-egress/update
`;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** The filter image for a base image: `mng-egress:<base id>-<hash of mng's filter files>`. */
export function filterImageTag(baseImageId: string): string {
  const hash = createHash('sha256').update(filterDockerfile('BASE')).digest('hex').slice(0, 8);
  return `mng-egress:${baseImageId.replace(/^sha256:/, '').slice(0, 12)}-${hash}`;
}
