/**
 * The bench's reference target: the least a metering proxy must do, in plain Node. It checks the
 * key against one key, parses the JSON body, forwards it over a keep-alive undici pool and reads
 * the usage from the answer (the JSON body's `usage`, or the SSE chunk carrying it), relaying the
 * answer as it comes. Started like the gateway (a child process, `bare-proxy listening on URL`),
 * so every gateway figure in the bench is a ratio to this one measured in the same run.
 *
 * Env: BARE_KEY, UPSTREAM_URL, UPSTREAM_KEY, PORT (0 = any).
 * @see https://undici.nodejs.org/#/docs/api/Pool
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */

import { createServer } from 'node:http';
import { Pool } from 'undici';

const key = `Bearer ${process.env['BARE_KEY'] ?? ''}`;
const upstreamAuth = `Bearer ${process.env['UPSTREAM_KEY'] ?? ''}`;
const upstream = new Pool(process.env['UPSTREAM_URL'] ?? 'http://127.0.0.1:1', { connections: 256 });
/** Completion tokens seen, so the usage read cannot be optimised away. */
let completionTokens = 0;

/** `value[name]` when value is a JSON object (no schema: the reference does the least work). */
const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
const usageOf = (answer: unknown): number => {
  const tokens = field(field(answer, 'usage'), 'completion_tokens');
  return typeof tokens === 'number' ? tokens : 0;
};

const server = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (request.headers.authorization !== key) return void response.writeHead(401).end();
  const body = Buffer.concat(chunks);
  let stream = false;
  try {
    stream = field(JSON.parse(body.toString('utf8')), 'stream') === true;
  } catch {
    return void response.writeHead(400).end();
  }
  try {
    const answer = await upstream.request({
      method: 'POST',
      path: request.url ?? '/',
      headers: { authorization: upstreamAuth, 'content-type': 'application/json' },
      body,
    });
    const type = String(answer.headers['content-type'] ?? 'application/json');
    response.writeHead(answer.statusCode, { 'content-type': type });
    if (!stream) {
      const text = await answer.body.text();
      completionTokens += usageOf(JSON.parse(text));
      return void response.end(text);
    }
    let pending = '';
    for await (const chunk of answer.body) {
      response.write(chunk);
      // Complete lines only; the usage chunk is the one `data:` line that has a `"usage":{`.
      const lines = (pending + (chunk as Buffer).toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines)
        if (line.startsWith('data: {') && line.includes('"usage":{'))
          completionTokens += usageOf(JSON.parse(line.slice(6)));
    }
    response.end();
  } catch {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`bare-proxy listening on http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => {
  console.error(`bare-proxy: ${completionTokens} completion tokens relayed`);
  server.close();
  void upstream.close();
  server.closeAllConnections();
});
