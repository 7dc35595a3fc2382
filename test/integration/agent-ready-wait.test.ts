import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryScript, emptyDelivery } from '../../lib/core/agents/delivery.js';
import { docker } from '../helpers/docker.js';
import { Sandbox } from '../helpers/sandbox.js';

// The delivery's wait for the agent's prompt (what `mng create NAME claude` waits on before it returns, so that a
// `mng message` right after it reaches the prompt), run as mng runs it (`docker exec -i CONTAINER /bin/sh -s USER`)
// in hosts whose agents are plain programs: it sees the prompt once it appears, an agent that exited, and gives up.
const sb = new Sandbox('rwait');
afterAll(() => sb.cleanup());

beforeAll(async () => {
  await Promise.all([
    // its "prompt" shows once the test says so (touch /tmp/go)
    sb.create('rd', [
      '--agent-cmd',
      'echo booting; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo PROMPT-READY; exec sleep 100000',
    ]),
    sb.create('ex', ['--agent-cmd', 'echo bye; exit 3']),
  ]);
});

/** The delivery script of a start, with `before` run first in the background; what it printed and how long it took. */
async function deliver(name: string, pattern: string, seconds: number, before = '') {
  const script = `${before}\n${deliveryScript(emptyDelivery(), { readyPattern: pattern, readySeconds: seconds })}`;
  const t0 = Date.now();
  const r = await docker(['exec', '-i', sb.container(name), '/bin/sh', '-s', 'agent'], {
    input: script,
    reject: false,
  });
  return { ...r, ms: Date.now() - t0 };
}

describe("the delivery's wait for the agent's prompt", () => {
  it('returns once the prompt appears, not before', async () => {
    const r = await deliver('rd', 'PROMPT-READY', 30, '(sleep 1; touch /tmp/go) &');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('agent ready');
    expect(r.ms).toBeGreaterThanOrEqual(1000);
    expect((await sb.mng(['logs', 'rd'])).stdout).toContain('PROMPT-READY');
  });

  it('says when the agent exited instead', async () => {
    const r = await deliver('ex', 'PROMPT-READY', 30);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('agent exited');
    expect(r.ms).toBeLessThan(15_000);
  });

  it('gives up after its time when the prompt never shows', async () => {
    const r = await deliver('rd', 'NEVER-ON-THE-SCREEN', 1);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('agent not-ready');
    expect(r.ms).toBeGreaterThanOrEqual(1000);
  });
});
