// Command-line flags of `npm run bench`.

import { parseArgs } from 'node:util';

export const TARGETS = ['direct', 'floor', 'gateway'] as const;
export type TargetName = (typeof TARGETS)[number];

/**
 * How a gateway target's model is routed when it is not a single channel: `--routing` adds `gateway-routed`, whose
 * model has route primary-first over three channels. Absent (undefined) on every other target.
 */
export type TargetRoute = 'primary-first';

/** What the gateway's channel (and direct-to-emulator) talks to: the OpenAI emulator, the Azure OpenAI one, or Vertex. */
export const UPSTREAMS = ['openai-compatible', 'azure-openai', 'vertex'] as const;
export type Upstream = (typeof UPSTREAMS)[number];
export const UPSTREAM_CHOICES = [...UPSTREAMS, 'both', 'all'] as const;
export type UpstreamChoice = (typeof UPSTREAM_CHOICES)[number];

/**
 * What `--upstream` measures, the main upstream first (its targets are the issue's own ones, judged against its
 * floor proxy). `vertex` always comes with the OpenAI-compatible upstream: its target is a share of the gateway's own
 * OpenAI-compatible figure in the same run (there is no floor proxy that speaks Gemini).
 */
export function upstreamsOf(choice: UpstreamChoice): Upstream[] {
  switch (choice) {
    case 'both':
      return ['openai-compatible', 'azure-openai'];
    case 'all':
      return ['openai-compatible', 'azure-openai', 'vertex'];
    case 'vertex':
      return ['openai-compatible', 'vertex'];
    default:
      return [choice];
  }
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
  maxRequests: number;
  /** Script that provides `serve --config FILE` (default bin/interchange.js). For trying stand-ins. */
  gatewayBin: string;
  /** Script that provides `emulate openai --host H --port N` (default bin/interchange.js). */
  emulatorBin: string;
  pin: boolean;
  /** Count the server processes' instructions with `perf stat` (when the machine lets it; `--no-instructions`). */
  instructions: boolean;
  /** `--upstream` as given; `upstreams` is what it means (see upstreamsOf), the main upstream first. */
  upstream: UpstreamChoice;
  upstreams: Upstream[];
  /**
   * `--routing`: one more target, `gateway-routed` (the same gateway process, model gpt-4o-mini-routed: route
   * primary-first over three channels on three providers, all at the OpenAI emulator), compared with `gateway`.
   */
  routing: boolean;
  /**
   * `--control` (with `--upstream both`): an A/A run. The azure-openai side becomes a second OpenAI emulator behind a
   * second `openai-compatible` channel (and its own floor proxy), so every azure/openai share should read 100%: what
   * it reads instead is the judgement's own noise on this machine.
   */
  control: boolean;
  help: boolean;
};

export const USAGE = `Usage: npm run bench -- [options]

  --duration <s>         measured seconds per scenario (default 5)
  --rounds <n>           the duration is measured in n segments per target, alternating targets (default 5)
  --warmup <s>           warm-up before a target's first segment, not measured (default 1; later segments 0.2)
  --settle <s>           wait after each group of scenarios before reading "RSS after" (default 3)
  --connections <list>   connection counts, comma-separated (default 1,64)
  --only <list>          targets: direct,floor,gateway (default all three)
  --upstream <which>     openai-compatible (default): the OpenAI emulator behind an openai-compatible channel;
                         azure-openai: the Azure OpenAI emulator behind an azure-openai channel (direct-azure,
                         floor-azure, gateway-azure); both: the two side by side in the same alternating rounds
                         (no floor proxy for Azure) plus the azure/openai comparison and its 90% target;
                         vertex: today's targets plus direct-vertex and gateway-vertex (the gateway's vertex channel,
                         Gemini API, in front of the Vertex emulator) in the same rounds, plus the vertex/openai
                         comparison and its 60% non-streaming target; all: openai-compatible, azure-openai and vertex
  --routing              add gateway-routed: the same gateway, model gpt-4o-mini-routed (route primary-first over
                         three channels on three providers, all at the OpenAI emulator), in the same alternating
                         rounds, plus the routed/single-channel comparison and its 95% non-streaming target
                         (needs the openai-compatible upstream and the gateway target)
  --control              with --upstream both: an A/A run, the azure-openai side replaced by a second OpenAI emulator
                         behind a second openai-compatible channel, so every azure/openai share should read 100%
  --streaming / --no-streaming
                         include streaming scenarios (default yes)
  --no-non-streaming     skip the non-streaming scenarios
  --cpu-prof             run the gateway under --cpu-prof; the profile lands in bench/results/
  --max-requests <n>     cap on recorded requests per scenario (default 1000000)
  --no-pin               do not pin processes to cores even if taskset exists
  --no-instructions      do not count the server processes' instructions with perf stat (counted when perf can)
  --gateway-bin <file>   script run as \`<file> serve --config FILE\` (default bin/interchange.js)
  --emulator-bin <file>  script run as \`<file> emulate openai --host H --port N --quiet\` (default bin/interchange.js;
                         also \`emulate azure-openai\` / \`emulate vertex\` for those upstreams)
  --help                 this text
`;

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${text}"`);
  return value;
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
      streaming: { type: 'boolean', default: true },
      'non-streaming': { type: 'boolean', default: true },
      'cpu-prof': { type: 'boolean', default: false },
      'max-requests': { type: 'string', default: '1000000' },
      pin: { type: 'boolean', default: true },
      instructions: { type: 'boolean', default: true },
      upstream: { type: 'string', default: 'openai-compatible' },
      routing: { type: 'boolean', default: false },
      control: { type: 'boolean', default: false },
      'gateway-bin': { type: 'string', default: 'bin/interchange.js' },
      'emulator-bin': { type: 'string', default: 'bin/interchange.js' },
      help: { type: 'boolean', default: false },
    },
  });
  const connections = values.connections.split(',').map((part) => {
    const count = positiveNumber('--connections', part.trim());
    if (!Number.isInteger(count) || count > 1024) throw new Error(`--connections: ${part} is not an integer in 1..1024`);
    return count;
  });
  const only = values.only.split(',').map((part) => {
    const name = part.trim();
    if (!(TARGETS as readonly string[]).includes(name)) throw new Error(`--only: unknown target "${name}" (${TARGETS.join(', ')})`);
    return name as TargetName;
  });
  const upstream = values.upstream.trim();
  if (!(UPSTREAM_CHOICES as readonly string[]).includes(upstream)) {
    throw new Error(`--upstream: unknown value "${upstream}" (${UPSTREAM_CHOICES.join(', ')})`);
  }
  const upstreams = upstreamsOf(upstream as UpstreamChoice);
  if (values.routing && !upstreams.includes('openai-compatible')) {
    throw new Error(`--routing: the routed channels end at the OpenAI emulator; use it with --upstream openai-compatible, both, vertex or all (not ${upstream})`);
  }
  if (values.routing && !only.includes('gateway')) throw new Error('--routing: needs the gateway target (--only … ,gateway)');
  if (values.control && upstream !== 'both') throw new Error(`--control: an A/A run of the azure/openai comparison; use it with --upstream both (not ${upstream})`);
  const maxRequests = positiveNumber('--max-requests', values['max-requests']);
  const settle = Number(values.settle);
  if (!Number.isFinite(settle) || settle < 0) throw new Error(`--settle must be ≥ 0`);
  return {
    durationSeconds: positiveNumber('--duration', values.duration),
    rounds: Math.max(1, Math.min(100, Math.round(positiveNumber('--rounds', values.rounds)))),
    warmupSeconds: Number(values.warmup) >= 0 ? Number(values.warmup) : 1,
    settleSeconds: settle,
    connections: [...new Set(connections)],
    only: TARGETS.filter((target) => only.includes(target)),
    nonStreaming: values['non-streaming'],
    streaming: values.streaming,
    cpuProf: values['cpu-prof'],
    maxRequests: Math.min(Math.floor(maxRequests), 20_000_000),
    gatewayBin: values['gateway-bin'],
    emulatorBin: values['emulator-bin'],
    pin: values.pin,
    instructions: values.instructions,
    upstream: upstream as UpstreamChoice,
    upstreams,
    routing: values.routing,
    control: values.control,
    help: values.help,
  };
}
