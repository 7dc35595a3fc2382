import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * Stand-ins for the model APIs the real agent CLIs talk to, started by a test where the containers of the local daemon
 * reach them (the default bridge's gateway). Each answers a user message that contains `RUN<<command>>` with one
 * tool call running that command (Claude's Bash tool; Codex's code-mode `exec` calling `exec_command`), and anything
 * else, a tool's result included, with plain text that ends the turn. Every request is kept for the test to read.
 * For Codex, `ASK<<command>>` asks to run the command outside its sandbox (`require_escalated`), which needs the
 * user's approval.
 */

export interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** The address of the local daemon's default bridge on this machine: where its containers reach the test's servers. */
export function bridgeAddress(): string {
  const docker0 = networkInterfaces().docker0?.find((a) => a.family === 'IPv4');
  return docker0?.address ?? '172.17.0.1';
}

const RUN = /RUN<<(.*?)>>/s;
const ASK = /ASK<<(.*?)>>/s;

abstract class FakeModel {
  readonly requests: SeenRequest[] = [];
  private server?: Server;

  /** Listen on every address (the bridge's among them) at a free port. */
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        let body: any = {};
        try {
          body = JSON.parse(text || '{}');
        } catch {
          /* not JSON: kept as {} */
        }
        this.requests.push({ path: req.url ?? '', headers: req.headers, body });
        this.answer(req.method ?? 'GET', req.url ?? '', body, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '0.0.0.0', resolve));
    return this;
  }

  get url(): string {
    return `http://${bridgeAddress()}:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The agent's own turns (requests that offer it tools), in order. */
  abstract turns(): SeenRequest[];

  protected abstract answer(method: string, path: string, body: any, res: ServerResponse): void;
}

function sse(res: ServerResponse, events: { type: string; [k: string]: unknown }[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  res.end();
}

/** The texts of a message's content (a string, or blocks), tool results left out. */
function texts(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((c) => (c?.type === 'text' || c?.type === 'input_text' ? [String(c.text)] : []));
}

/** The Anthropic Messages API, streaming (what Claude Code speaks). */
export class FakeAnthropic extends FakeModel {
  turns(): SeenRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/v1/messages') && (r.body.tools ?? []).length > 0);
  }

  protected answer(_method: string, path: string, body: any, res: ServerResponse): void {
    if (path.startsWith('/v1/messages/count_tokens')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ input_tokens: 10 }));
      return;
    }
    if (!path.startsWith('/v1/messages')) {
      res.writeHead(404).end('{}');
      return;
    }
    const messages: any[] = body.messages ?? [];
    const last = messages.at(-1);
    const done = Array.isArray(last?.content) && last.content.some((c: any) => c?.type === 'tool_result');
    // this turn's user messages: Claude sends the prompt and its own context (date, CLAUDE.md) as separate ones
    const since = messages.map((m) => m.role).lastIndexOf('assistant');
    const run = RUN.exec(
      messages
        .slice(since + 1)
        .flatMap((m) => texts(m.content))
        .join('\n'),
    );
    const block =
      run && !done && (body.tools ?? []).length > 0
        ? { type: 'tool_use', id: `toolu_${this.requests.length}`, name: 'Bash', input: { command: run[1] } }
        : { type: 'text', text: done ? 'Done.' : 'Hello from the fake model.' };
    const start =
      block.type === 'text'
        ? { type: 'text', text: '' }
        : { type: 'tool_use', id: block.id, name: block.name, input: {} };
    const delta =
      block.type === 'text'
        ? { type: 'text_delta', text: block.text }
        : { type: 'input_json_delta', partial_json: JSON.stringify(block.input) };
    sse(res, [
      {
        type: 'message_start',
        message: { id: `msg_${this.requests.length}`, type: 'message', role: 'assistant', model: body.model },
      },
      { type: 'content_block_start', index: 0, content_block: start },
      { type: 'content_block_delta', index: 0, delta },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: block.type === 'tool_use' ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: 5 },
      },
      { type: 'message_stop' },
    ]);
  }
}

/** The OpenAI Responses API, streaming (what Codex speaks); its WebSocket transport is refused, so Codex uses HTTP. */
export class FakeOpenAI extends FakeModel {
  turns(): SeenRequest[] {
    return this.requests.filter((r) => (r.body.input ?? []).some((i: any) => i.type === 'additional_tools'));
  }

  protected answer(method: string, path: string, body: any, res: ServerResponse): void {
    if (method === 'GET' || !path.startsWith('/v1/responses')) {
      res.writeHead(method === 'GET' ? 426 : 404).end('{}');
      return;
    }
    const input: any[] = body.input ?? [];
    const last = [...input].reverse().find((i) => i.type !== 'configuration_update');
    const done = /_output$/.test(last?.type ?? '');
    const user = input.filter((i) => i.role === 'user').flatMap((i) => texts(i.content));
    const prompt = user.at(-1) ?? '';
    const main = input.some((i) => i.type === 'additional_tools') && !prompt.startsWith('Generate a concise');
    const ask = ASK.exec(prompt);
    const run = RUN.exec(prompt) ?? ask;
    const args = ask
      ? `{cmd: ${JSON.stringify(ask[1])}, sandbox_permissions: "require_escalated", justification: "May I?"}`
      : `{cmd: ${JSON.stringify(run?.[1])}}`;
    const n = this.requests.length;
    const item =
      main && run && !done
        ? {
            type: 'custom_tool_call',
            id: `ctc_${n}`,
            call_id: `call_${n}`,
            name: 'exec',
            input: `const r = await tools.exec_command(${args}); text(r);`,
          }
        : {
            type: 'message',
            id: `msg_${n}`,
            role: 'assistant',
            content: [
              { type: 'output_text', text: main ? (done ? 'Done.' : 'Hello from the fake model.') : 'A title' },
            ],
          };
    const usage = {
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    };
    sse(res, [
      { type: 'response.created', response: { id: `resp_${n}` } },
      { type: 'response.output_item.added', output_index: 0, item },
      { type: 'response.output_item.done', output_index: 0, item },
      { type: 'response.completed', response: { id: `resp_${n}`, usage } },
    ]);
  }
}
