import OpenAI from 'openai';
import { startUpstreamSim } from './src/index.ts';

const sim = await startUpstreamSim();
const client = new OpenAI({ apiKey: 'sk-test', baseURL: `${sim.url}/v1`, maxRetries: 0 });
const r = await client.chat.completions.create({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Hello there' }],
});
console.log(JSON.stringify(r, null, 1));
const s = await client.chat.completions.create({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Hi' }],
  stream: true,
  stream_options: { include_usage: true },
  n: 2,
});
for await (const c of s) console.log(JSON.stringify(c));
const res = await fetch(`${sim.url}/v1/chat/completions`, {
  method: 'POST',
  headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
  body: JSON.stringify({
    model: 'gpt-4o',
    stream: true,
    messages: [{ role: 'user', content: 'weather?' }],
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { location: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
            required: ['location', 'unit'],
          },
        },
      },
    ],
  }),
});
console.log(res.headers, await res.text());
await sim.close();
