import { parseArgs } from 'node:util';
import { startUpstreamSim, type UpstreamSimOptions } from './server.ts';

const USAGE = `usage: node packages/upstream-sim/src/main.ts [--port 9100] [--host 127.0.0.1] [--api-key KEY]... [--model NAME]... [--signature-family NAME] [--always-sse] [--image-url-ttl-ms MS] [--bfl-pending-ms MS] [--video-queued-ms 100] [--video-running-ms 200] [--kling-key ACCESS:SECRET]... [--runpod-endpoint ID=IMAGE]... [--runpod-ping-interval-ms 10000] [--runpod-webhook-retry-ms 10000] [--runpod-async-result-ms MS] [--runpod-sync-result-ms MS] [--max-recorded 1000]`;

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
    'runpod-endpoint': { type: 'string', multiple: true },
    'runpod-ping-interval-ms': { type: 'string' },
    'runpod-webhook-retry-ms': { type: 'string' },
    'runpod-async-result-ms': { type: 'string' },
    'runpod-sync-result-ms': { type: 'string' },
    // Requests kept for GET /__sim/requests: a long run must not keep every body it was sent.
    'max-recorded': { type: 'string', default: '1000' },
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

const maxRecorded = Number(values['max-recorded']);
if (!Number.isInteger(maxRecorded) || maxRecorded < 0) {
  console.error(`invalid --max-recorded ${values['max-recorded']}\n${USAGE}`);
  process.exit(2);
}
const options: UpstreamSimOptions = { host: values.host, port, maxRecordedRequests: maxRecorded };
if (values['api-key']) options.apiKeys = values['api-key'];
if (values.model) options.models = values.model;
if (values['signature-family']) options.signatureFamily = values['signature-family'];
if (values['always-sse']) options.alwaysSse = true;
for (const [flag, field] of [
  ['image-url-ttl-ms', 'imageUrlTtlMs'],
  ['bfl-pending-ms', 'bflPendingMs'],
  ['video-queued-ms', 'videoQueuedMs'],
  ['video-running-ms', 'videoRunningMs'],
  ['runpod-ping-interval-ms', 'runpodPingIntervalMs'],
  ['runpod-webhook-retry-ms', 'runpodWebhookRetryMs'],
  ['runpod-async-result-ms', 'runpodAsyncResultMs'],
  ['runpod-sync-result-ms', 'runpodSyncResultMs'],
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
if (values['runpod-endpoint']) {
  // Replaces the default seeds (sdxl, wan-video): list them too to keep them.
  options.runpodEndpoints = values['runpod-endpoint'].map((pair) => {
    const at = pair.indexOf('=');
    const id = pair.slice(0, at);
    const imageName = pair.slice(at + 1);
    if (at <= 0 || imageName === '') {
      console.error(`invalid --runpod-endpoint ${pair} (ID=IMAGE)\n${USAGE}`);
      process.exit(2);
    }
    return { id, imageName };
  });
}
const sim = await startUpstreamSim(options);
console.log(`upstream-sim listening on ${sim.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.close().then(() => process.exit(0));
  });
}
