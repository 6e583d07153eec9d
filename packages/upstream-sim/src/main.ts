import { parseArgs } from 'node:util';
import { startUpstreamSim, type UpstreamSimOptions } from './server.ts';

const USAGE = `usage: node packages/upstream-sim/src/main.ts [--port 9100] [--host 127.0.0.1] [--api-key KEY]... [--model NAME]... [--signature-family NAME] [--always-sse] [--image-url-ttl-ms MS] [--bfl-pending-ms MS] [--video-queued-ms 100] [--video-running-ms 200] [--kling-key ACCESS:SECRET]...`;

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9100' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-key': { type: 'string', multiple: true },
    model: { type: 'string', multiple: true },
    'signature-family': { type: 'string' },
    'always-sse': { type: 'boolean' },
    'image-url-ttl-ms': { type: 'string' },
    'bfl-pending-ms': { type: 'string' },
    'video-queued-ms': { type: 'string' },
    'video-running-ms': { type: 'string' },
    'kling-key': { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`invalid --port ${values.port}\n${USAGE}`);
  process.exit(2);
}

const options: UpstreamSimOptions = { host: values.host, port };
if (values['api-key']) options.apiKeys = values['api-key'];
if (values.model) options.models = values.model;
if (values['signature-family']) options.signatureFamily = values['signature-family'];
if (values['always-sse']) options.alwaysSse = true;
for (const [flag, field] of [
  ['image-url-ttl-ms', 'imageUrlTtlMs'],
  ['bfl-pending-ms', 'bflPendingMs'],
  ['video-queued-ms', 'videoQueuedMs'],
  ['video-running-ms', 'videoRunningMs'],
] as const) {
  const value = values[flag];
  if (value === undefined) continue;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 0) {
    console.error(`invalid --${flag} ${value}\n${USAGE}`);
    process.exit(2);
  }
  options[field] = ms;
}
if (values['kling-key']) {
  options.klingKeys = {};
  for (const pair of values['kling-key']) {
    const [accessKey, secretKey] = pair.split(':');
    if (!accessKey || !secretKey) {
      console.error(`invalid --kling-key ${pair} (ACCESS:SECRET)\n${USAGE}`);
      process.exit(2);
    }
    options.klingKeys[accessKey] = secretKey;
  }
}
const sim = await startUpstreamSim(options);
console.log(`upstream-sim listening on ${sim.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.close().then(() => process.exit(0));
  });
}
