// Command-line flags of `npm run bench` (docs/benchmark.md lists them with what each is for).

import { parseArgs } from 'node:util';

export const TARGETS = ['direct', 'floor', 'gateway'] as const;
export type TargetName = (typeof TARGETS)[number];

/** `--routing` adds `gateway-routed`, whose model is routed primary-first over three channels. */
export type TargetRoute = 'primary-first';

/** What a target ends at: the OpenAI emulator, the Azure OpenAI emulator, or the Vertex emulator (Gemini API). */
export const UPSTREAMS = ['openai-compatible', 'azure-openai', 'vertex'] as const;
export type Upstream = (typeof UPSTREAMS)[number];
const UPSTREAM_CHOICES = [...UPSTREAMS, 'both', 'all'] as const;
export type UpstreamChoice = (typeof UPSTREAM_CHOICES)[number];

/**
 * What `--upstream` measures, the main upstream first. `vertex` always comes with the OpenAI-compatible upstream: no
 * floor proxy speaks Gemini, so the Vertex channel is judged against the gateway's own OpenAI-compatible figure.
 */
export function upstreamsOf(choice: UpstreamChoice): Upstream[] {
  if (choice === 'both') return ['openai-compatible', 'azure-openai'];
  if (choice === 'all') return ['openai-compatible', 'azure-openai', 'vertex'];
  if (choice === 'vertex') return ['openai-compatible', 'vertex'];
  return [choice];
}

export type BenchOptions = {
  durationSeconds: number;
  rounds: number;
  warmupSeconds: number;
  settleSeconds: number;
  connections: number[];
  only: TargetName[];
  nonStreaming: boolean;
  streaming: boolean;
  cpuProf: boolean;
  pin: boolean;
  upstream: UpstreamChoice;
  upstreams: Upstream[];
  routing: boolean;
  keys: boolean;
  ledger: boolean;
  responses: boolean;
  help: boolean;
};

export const USAGE = `Usage: npm run bench -- [options]   (details: docs/benchmark.md)

  --duration <s>         measured seconds per scenario (default 5)
  --rounds <n>           segments per target the duration is cut into, alternating targets (default 5)
  --warmup <s>           unmeasured warm-up before a target's first segment (default 1; later segments 0.2)
  --settle <s>           wait after each group before reading "RSS after" (default 3)
  --connections <list>   comma-separated connection counts (default 1,64)
  --only <list>          targets among direct,floor,gateway (default all three)
  --upstream <which>     openai-compatible (default), azure-openai, vertex (with openai-compatible),
                         both (openai-compatible + azure-openai) or all (the three)
  --routing              add gateway-routed (primary-first over three channels) and compare it with gateway
  --keys                 add gateway-keys (a second gateway: a virtual key checked, generous RPM/TPM limits on) and
                         compare it with gateway
  --responses            add gateway-responses (the same gateway and channel, sent the Responses API's request) and
                         compare it with gateway (chat completions)
  --ledger               add gateway-ledger (a second gateway: prices, metering and the ledger in a SQLite file) and
                         compare it with gateway, which then runs with metering.ledger off
  --no-streaming         skip the streaming scenarios
  --no-non-streaming     skip the non-streaming scenarios
  --cpu-prof             run the gateway under --cpu-prof; the profile lands in bench/results/
  --no-pin               do not pin processes to cores
  --help                 this text
`;

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${text}"`);
  return value;
}

function list<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  return text.split(',').map((part) => {
    const value = part.trim();
    if (!(allowed as readonly string[]).includes(value)) throw new Error(`${name}: unknown value "${value}" (${allowed.join(', ')})`);
    return value as T;
  });
}

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    allowNegative: true,
    options: {
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      settle: { type: 'string', default: '3' },
      connections: { type: 'string', default: '1,64' },
      only: { type: 'string', default: TARGETS.join(',') },
      upstream: { type: 'string', default: 'openai-compatible' },
      routing: { type: 'boolean', default: false },
      keys: { type: 'boolean', default: false },
      ledger: { type: 'boolean', default: false },
      responses: { type: 'boolean', default: false },
      streaming: { type: 'boolean', default: true },
      'non-streaming': { type: 'boolean', default: true },
      'cpu-prof': { type: 'boolean', default: false },
      pin: { type: 'boolean', default: true },
      help: { type: 'boolean', default: false },
    },
  });
  const connections = values.connections.split(',').map((part) => {
    const count = positive('--connections', part.trim());
    if (!Number.isInteger(count) || count > 1024) throw new Error(`--connections: ${part} is not an integer in 1..1024`);
    return count;
  });
  const only = list('--only', values.only, TARGETS);
  const [upstream] = list('--upstream', values.upstream, UPSTREAM_CHOICES);
  const upstreams = upstreamsOf(upstream);
  if (values.routing && !upstreams.includes('openai-compatible')) throw new Error('--routing: needs the openai-compatible upstream');
  if (values.routing && !only.includes('gateway')) throw new Error('--routing: needs the gateway target');
  if (values.keys && (!upstreams.includes('openai-compatible') || !only.includes('gateway'))) throw new Error('--keys: needs the openai-compatible upstream and the gateway target');
  if (values.responses && (!upstreams.includes('openai-compatible') || !only.includes('gateway'))) throw new Error('--responses: needs the openai-compatible upstream and the gateway target');
  if (values.ledger && (!upstreams.includes('openai-compatible') || !only.includes('gateway'))) throw new Error('--ledger: needs the openai-compatible upstream and the gateway target');
  const settle = Number(values.settle);
  const warmup = Number(values.warmup);
  if (!(settle >= 0) || !(warmup >= 0)) throw new Error('--settle and --warmup must be ≥ 0');
  return {
    durationSeconds: positive('--duration', values.duration),
    rounds: Math.min(100, Math.round(positive('--rounds', values.rounds))) || 1,
    warmupSeconds: warmup,
    settleSeconds: settle,
    connections: [...new Set(connections)],
    only: TARGETS.filter((target) => only.includes(target)),
    nonStreaming: values['non-streaming'],
    streaming: values.streaming,
    cpuProf: values['cpu-prof'],
    pin: values.pin,
    upstream,
    upstreams,
    routing: values.routing,
    keys: values.keys,
    ledger: values.ledger,
    responses: values.responses,
    help: values.help,
  };
}
