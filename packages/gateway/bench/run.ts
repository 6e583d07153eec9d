/**
 * `npm run bench`: first the issue-#13 reference table (reference.ts, reference-table.ts): chat
 * calls straight to the simulator, through the bare proxy (bare-proxy.ts) and through Hypereal,
 * as ratios; then the same calls sent straight to the upstream simulator and through the gateway,
 * in one run, on 127.0.0.1: OpenAI Chat Completions (`chat-*`), Anthropic Messages (`messages-*`,
 * with Hypereal Cache off so both paths ask the simulator for the same work) and OpenAI Responses
 * (`responses-*`, passed through to the `openai` provider), each as JSON and SSE with a ~1 KB and a
 * ~150 KB body. One more scenario, `responses-sse-large-via-chat`, measures translation: Responses
 * through the gateway to a chat-only model, against the equivalent chat call made directly.
 * Results are ratios and differences against the direct call measured alongside; nothing here
 * asserts on timings. Each scenario warms both paths, then measures them in ABBA order (see
 * measure.ts); gateway CPU and peak RSS come from /proc (see proc.ts).
 *
 * Processes are pinned when the machine has two CPUs or more (pinning.ts). See bench/README.md.
 *
 * Options: --concurrency N (16, for the scenarios), --scale F (multiplies request counts, e.g. 0.1
 * for a smoke run), --only S,… (run the table figures and scenarios whose id contains one of these,
 * e.g. `table`, `table-cpu`, `messages` or `sse-large`), --out FILE (bench/results/latest.json),
 * --postgres URL (a second gateway on that PostgreSQL database, as one more table column),
 * --cpu-prof DIR (the gateway runs under `node --cpu-prof`, its profile written to DIR at exit),
 * --no-pin (leave scheduling to the OS, e.g. when other work already loads every core).
 */

import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { simulatorEnv } from '../src/cli/simulator-env.ts';
import { responsesToChat } from '../src/dialects/openai-responses/to-chat-request.ts';
import { type BodySize, conversation, REPLY_TOKENS, requestBody } from './bodies.ts';
import { type GatewayFixture, prepareGateway } from './gateway-setup.ts';
import { LoadConnections } from './http1/connections.ts';
import type { LoadTarget } from './load.ts';
import { measureScenario, type Servers } from './measure.ts';
import { messagesConversation, messagesRequestBody } from './messages-bodies.ts';
import { planPinning } from './pinning.ts';
import { clockTicksPerSecond, resetPeakRss } from './proc.ts';
import { type RunningChild, startNodeChild, stopChildren } from './processes.ts';
import {
  countStreamEvents,
  type FigureMeasurement,
  measureFigure,
  type ReferenceTarget,
  type SimFault,
  trackMemory,
} from './reference.ts';
import { figurePlans, formatReferenceTable, type ReferenceReport } from './reference-table.ts';
import {
  type Api,
  type BenchReport,
  formatReport,
  overhead,
  type ScenarioResult,
  writeReport,
} from './report.ts';
import { responsesConversation, responsesRequestBody, responsesRequestJson } from './responses-bodies.ts';

interface Scenario {
  id: string;
  api: Api;
  /** Through the gateway to a model served by an upstream that speaks only this API (translated). */
  via?: 'chat';
  stream: boolean;
  size: BodySize;
  requests: number;
  warmup: number;
}

const SIM_KEY = 'sk-bench-upstream';
/** Chat: the catalog model the gateway is called with, and what it forwards upstream. */
const CHAT_GATEWAY_MODEL = 'deepseek-v3.2';
const CHAT_UPSTREAM_MODEL = 'deepseek-chat';
/** Messages: served by the `anthropic` provider under the same name. */
const MESSAGES_MODEL = 'claude-sonnet-4-6';
const ANTHROPIC_VERSION = '2023-06-01';
/** Responses: served by the `openai` provider (a Responses upstream) under the same name, passed through. */
const RESPONSES_MODEL = 'gpt-5.3-codex';
/**
 * Sent through the gateway only (it strips the field before forwarding). Hypereal Cache would add
 * prompt-cache breakpoints, changing the simulator's work and the billing; off, the comparison is
 * like for like.
 */
const MESSAGES_HYPEREAL_OPTIONS = { cache: false };

const { values } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '16' },
    scale: { type: 'string', default: '1' },
    only: { type: 'string' },
    out: { type: 'string', default: join(import.meta.dirname, 'results', 'latest.json') },
    postgres: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
  },
});
const concurrency = Number(values.concurrency);
const scale = Number(values.scale);
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error('--concurrency must be a positive integer');
if (!(scale > 0)) throw new Error('--scale must be positive');
const count = (n: number) => Math.max(concurrency, Math.round(n * scale));

/** Measured requests per path (warm-up is a tenth of that): ~1 KB bodies, then ~150 KB ones. */
const SMALL_REQUESTS = 600;
const LARGE_REQUESTS = 100;

/**
 * Every API × body size × response format, as `<api>-<json|sse>-<size>`, then the translation
 * scenario, `responses-sse-large-via-chat`.
 */
const allScenarios: Scenario[] = [
  ...(['chat', 'messages', 'responses'] as const).flatMap((api) =>
    (['small', 'large'] as const).flatMap((size) =>
      [false, true].map((stream) =>
        planned({
          id: `${api}-${stream ? 'sse' : 'json'}-${size}`,
          api,
          stream,
          size,
          requests: size === 'small' ? SMALL_REQUESTS : LARGE_REQUESTS,
        }),
      ),
    ),
  ),
  planned({
    id: 'responses-sse-large-via-chat',
    api: 'responses',
    via: 'chat',
    stream: true,
    size: 'large',
    requests: LARGE_REQUESTS,
  }),
];

function planned(base: Omit<Scenario, 'warmup'>): Scenario {
  return { ...base, requests: count(base.requests), warmup: count(base.requests / 10) };
}

const only = values.only
  ?.split(',')
  .map((part) => part.trim())
  .filter((part) => part !== '');
const selected = (id: string) => !only || only.some((part) => id.includes(part));
const scenarios = allScenarios.filter((s) => selected(s.id));
const figures = figurePlans((n, floor) => Math.max(floor, Math.round(n * scale))).filter((f) =>
  selected(f.id),
);
if (scenarios.length === 0 && figures.length === 0)
  throw new Error(`--only ${values.only} matches no table figure or scenario`);
const BARE_KEY = 'sk-bench-bare';

const repoRoot = resolve(import.meta.dirname, '../../..');
let fixtureDir: string | undefined;
const extraDirs: string[] = [];
const pools: Pool[] = [];
const loadConnections: LoadConnections[] = [];

let cleaning: Promise<void> | undefined;
let interrupted = false;

/** Idempotent: closes the load connections and the control pool, stops the servers, removes the data dirs. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const connections of loadConnections) connections.close();
    await Promise.allSettled(pools.map((pool) => pool.destroy()));
    await stopChildren();
    for (const dir of [fixtureDir, ...extraDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

process.once('SIGINT', () => {
  interrupted = true;
  console.error('\ninterrupted; stopping servers');
  void cleanup().finally(() => process.exit(130));
});

async function main(): Promise<void> {
  const startedAt = new Date();
  const pinning = planPinning({ enabled: !values['no-pin'] });
  console.error(pinning.description);
  console.error('(the machine may be shared with other work: compare ratios within a run, not runs)');
  const fixture = await prepareGateway();
  fixtureDir = fixture.dir;
  const sim = await startNodeChild({
    name: 'upstream-sim',
    ...(pinning.load ? { cpus: pinning.load } : {}),
    script: join(repoRoot, 'packages/upstream-sim/src/main.ts'),
    args: ['--host', '127.0.0.1', '--port', '0', '--api-key', SIM_KEY],
    ready: /upstream-sim listening on (http:\/\/\S+)/,
  });
  const startGatewayChild = (name: string, on: GatewayFixture, databaseUrl: string) =>
    startNodeChild({
      name,
      // The `hypereal` bin, as a user starts it: its #! line carries the gateway's V8 flags.
      script: join(repoRoot, 'packages/gateway/bin/hypereal.js'),
      executable: true,
      args: ['serve', '--config', on.configPath],
      env: {
        ...(values['cpu-prof'] && name.startsWith('gateway')
          ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${resolve(values['cpu-prof'])}` }
          : {}),
        ...simulatorEnv(sim.url, SIM_KEY),
        HYPEREAL_DATA_DIR: on.dir,
        DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
      ...(pinning.proxies ? { cpus: pinning.proxies } : {}),
      ready: /Hypereal gateway on (http:\/\/\S+?)(?:\s|$)/,
    });
  const gateway = await startGatewayChild('gateway', fixture, '');
  const bare = await startNodeChild({
    name: 'bare-proxy',
    script: join(import.meta.dirname, 'bare-proxy.ts'),
    env: { BARE_KEY, UPSTREAM_URL: sim.url, UPSTREAM_KEY: SIM_KEY, PORT: '0' },
    ...(pinning.proxies ? { cpus: pinning.proxies } : {}),
    ready: /bare-proxy listening on (http:\/\/\S+)/,
  });
  let postgres: { gateway: RunningChild; fixture: GatewayFixture } | undefined;
  if (values.postgres) {
    const pgFixture = await prepareGateway({ databaseUrl: values.postgres });
    extraDirs.push(pgFixture.dir);
    postgres = {
      gateway: await startGatewayChild('gateway-pg', pgFixture, values.postgres),
      fixture: pgFixture,
    };
  }
  // The simulator's control calls (reset, faults) on undici; the load on the bench's own connections.
  const simPool = new Pool(sim.url, { connections: 1 });
  pools.push(simPool);
  const simLoad = new LoadConnections(sim.url);
  const gatewayLoad = new LoadConnections(gateway.url);
  loadConnections.push(simLoad, gatewayLoad);
  const peakRssPerScenario = resetPeakRss(gateway.pid);
  console.error(`upstream-sim ${sim.url} (pid ${sim.pid}), gateway ${gateway.url} (pid ${gateway.pid})`);

  const resetSim = async (fault?: SimFault) => {
    // Drops the simulator's recorded requests and prompt cache so memory stays flat across scenarios.
    const response = await simPool.request({ method: 'POST', path: '/__sim/reset' });
    await response.body.dump();
    if (response.statusCode !== 200) throw new Error(`/__sim/reset answered ${response.statusCode}`);
    if (!fault) return;
    const added = await simPool.request({
      method: 'POST',
      path: '/__sim/faults',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...fault, times: -1 }),
    });
    await added.body.dump();
    if (added.statusCode >= 300) throw new Error(`/__sim/faults answered ${added.statusCode}`);
  };

  let reference: ReferenceReport | undefined;
  if (figures.length > 0) {
    // Connections of their own (as many as the widest figure's workers, c=128) for every target.
    const connectionsTo = (url: string) => {
      const created = new LoadConnections(url);
      loadConnections.push(created);
      return created;
    };
    const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
    const targets: ReferenceTarget[] = [
      {
        name: 'direct',
        connections: connectionsTo(sim.url),
        pid: undefined,
        headers: bearer(SIM_KEY),
        model: CHAT_UPSTREAM_MODEL,
      },
      {
        name: 'bare',
        connections: connectionsTo(bare.url),
        pid: bare.pid,
        headers: bearer(BARE_KEY),
        model: CHAT_UPSTREAM_MODEL,
      },
      {
        name: 'hypereal',
        connections: connectionsTo(gateway.url),
        pid: gateway.pid,
        headers: bearer(fixture.apiKey),
        model: CHAT_GATEWAY_MODEL,
      },
    ];
    if (postgres)
      targets.push({
        name: 'hypereal-pg',
        connections: connectionsTo(postgres.gateway.url),
        pid: postgres.gateway.pid,
        headers: bearer(postgres.fixture.apiKey),
        model: CHAT_GATEWAY_MODEL,
      });
    const memory = trackMemory(targets);
    const measuredFigures: Record<string, Record<string, FigureMeasurement>> = {};
    for (const plan of figures) {
      const began = Date.now();
      measuredFigures[plan.id] = await measureFigure({ simPid: sim.pid, resetSim }, targets, plan);
      console.error(`${plan.id.padEnd(28)} measured in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    }
    await resetSim();
    reference = {
      pinning: pinning.description,
      targets: targets.map((target) => target.name),
      streamEvents: await countStreamEvents(targets[0]!),
      figures: measuredFigures,
      memory: memory.finish(),
    };
    console.log(formatReferenceTable(reference));
    console.log('');
  }

  const servers: Servers = { simPid: sim.pid, gatewayPid: gateway.pid, resetSim: () => resetSim() };
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const {
      direct,
      gateway: viaGateway,
      ...described
    } = targets(scenario, { simLoad, gatewayLoad, fixture });
    const measured = await measureScenario(
      servers,
      { direct, gateway: viaGateway },
      { requests: scenario.requests, warmup: scenario.warmup, concurrency },
    );
    const { direct: d, gateway: g } = measured;
    console.error(
      `${scenario.id.padEnd(28)} direct ${d.requests} in ${(d.wallMs / 1000).toFixed(1)} s, gateway ${g.requests} in ${(g.wallMs / 1000).toFixed(1)} s` +
        (d.failures + g.failures > 0 ? ` — ${d.failures + g.failures} FAILED` : ''),
    );
    results.push({
      id: scenario.id,
      api: scenario.api,
      ...described,
      stream: scenario.stream,
      size: scenario.size,
      bodyBytes: viaGateway.body.length,
      concurrency,
      warmupRequests: scenario.warmup,
      ...measured,
    });
  }

  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    environment: {
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      clockTicksPerSecond: clockTicksPerSecond(),
      concurrency,
      scale,
      replyTokens: REPLY_TOKENS,
      peakRssPerScenario,
      pinning: pinning.description,
    },
    ...(reference ? { reference } : {}),
    scenarios: results.map((result) => ({ ...result, overhead: overhead(result) })),
  };
  writeReport(values.out, report);
  if (results.length > 0) console.log(formatReport(report));
  console.log(`\nwrote ${values.out} (${report.durationSeconds} s)`);
  const referenceFailed = Object.values(reference?.figures ?? {}).some((byTarget) =>
    Object.values(byTarget).some((m) => m.failures > 0),
  );
  if (referenceFailed || results.some((r) => r.direct.failures + r.gateway.failures > 0))
    process.exitCode = 1;
}

/** Both targets of a scenario: the same request, straight to the simulator and through the gateway. */
function targets(
  scenario: Scenario,
  context: { simLoad: LoadConnections; gatewayLoad: LoadConnections; fixture: GatewayFixture },
): Pick<ScenarioResult, 'path' | 'translatedTo' | 'gatewayModel' | 'upstreamModel' | 'hyperealOptions'> & {
  direct: LoadTarget;
  gateway: LoadTarget;
} {
  const { simLoad, gatewayLoad, fixture } = context;
  const json = { 'content-type': 'application/json' };
  if (scenario.api === 'chat') {
    const chat = conversation(scenario.size);
    const path = '/v1/chat/completions';
    const completeMarker = scenario.stream ? 'data: [DONE]' : '"chat.completion"';
    return {
      path,
      gatewayModel: CHAT_GATEWAY_MODEL,
      upstreamModel: CHAT_UPSTREAM_MODEL,
      direct: {
        connections: simLoad,
        path,
        headers: { authorization: `Bearer ${SIM_KEY}`, ...json },
        body: requestBody(chat, CHAT_UPSTREAM_MODEL, scenario.stream),
        stream: scenario.stream,
        completeMarker,
      },
      gateway: {
        connections: gatewayLoad,
        path,
        headers: { authorization: `Bearer ${fixture.apiKey}`, ...json },
        body: requestBody(chat, CHAT_GATEWAY_MODEL, scenario.stream),
        stream: scenario.stream,
        completeMarker,
      },
    };
  }
  if (scenario.api === 'responses') return responsesTargets(scenario, context);
  const messages = messagesConversation(scenario.size);
  const path = '/v1/messages';
  const completeMarker = scenario.stream ? 'event: message_stop' : '"type":"message"';
  return {
    path,
    gatewayModel: MESSAGES_MODEL,
    upstreamModel: MESSAGES_MODEL,
    hyperealOptions: MESSAGES_HYPEREAL_OPTIONS,
    direct: {
      connections: simLoad,
      path,
      headers: { 'x-api-key': SIM_KEY, 'anthropic-version': ANTHROPIC_VERSION, ...json },
      body: messagesRequestBody(messages, MESSAGES_MODEL, scenario.stream),
      stream: scenario.stream,
      completeMarker,
    },
    gateway: {
      connections: gatewayLoad,
      path,
      headers: { 'x-api-key': fixture.apiKey, 'anthropic-version': ANTHROPIC_VERSION, ...json },
      body: messagesRequestBody(messages, MESSAGES_MODEL, scenario.stream, {
        hypereal: MESSAGES_HYPEREAL_OPTIONS,
      }),
      stream: scenario.stream,
      completeMarker,
    },
  };
}

/**
 * Responses: the same body to the simulator and through the gateway, which passes it through to the
 * `openai` provider. With `via: 'chat'`, the gateway is called with a chat-only model instead and
 * the direct call is the chat request the gateway's own translation makes of the body.
 */
function responsesTargets(
  scenario: Scenario,
  context: { simLoad: LoadConnections; gatewayLoad: LoadConnections; fixture: GatewayFixture },
): ReturnType<typeof targets> {
  const { simLoad, gatewayLoad, fixture } = context;
  const json = { 'content-type': 'application/json' };
  const conversation = responsesConversation(scenario.size);
  const path = '/v1/responses';
  const completeMarker = scenario.stream ? 'event: response.completed' : '"object":"response"';
  const gatewayModel = scenario.via === 'chat' ? CHAT_GATEWAY_MODEL : RESPONSES_MODEL;
  const gateway: LoadTarget = {
    connections: gatewayLoad,
    path,
    headers: { authorization: `Bearer ${fixture.apiKey}`, ...json },
    body: responsesRequestBody(conversation, gatewayModel, scenario.stream),
    stream: scenario.stream,
    completeMarker,
  };
  const directHeaders = { authorization: `Bearer ${SIM_KEY}`, ...json };
  if (scenario.via === 'chat') {
    const chatPath = '/v1/chat/completions';
    const chat = responsesToChat(
      responsesRequestJson(conversation, CHAT_GATEWAY_MODEL, scenario.stream),
      CHAT_UPSTREAM_MODEL,
    );
    // As the gateway does for a translated stream: the usage chunk is how it bills.
    if (scenario.stream) chat['stream_options'] = { include_usage: true };
    return {
      path,
      translatedTo: { api: 'chat', path: chatPath },
      gatewayModel,
      upstreamModel: CHAT_UPSTREAM_MODEL,
      direct: {
        connections: simLoad,
        path: chatPath,
        headers: directHeaders,
        body: Buffer.from(JSON.stringify(chat)),
        stream: scenario.stream,
        completeMarker: scenario.stream ? 'data: [DONE]' : '"chat.completion"',
      },
      gateway,
    };
  }
  return {
    path,
    gatewayModel,
    upstreamModel: RESPONSES_MODEL,
    direct: {
      connections: simLoad,
      path,
      headers: directHeaders,
      body: responsesRequestBody(conversation, RESPONSES_MODEL, scenario.stream),
      stream: scenario.stream,
      completeMarker,
    },
    gateway,
  };
}

try {
  await main();
} catch (error) {
  // After Ctrl-C the in-flight requests fail against destroyed pools: not worth reporting.
  if (!interrupted) console.error(error);
  process.exitCode = 1;
} finally {
  await cleanup();
}
