/**
 * `interchange route explain`: a dry run of routing. Loads a configuration, builds the request's features (from an
 * OpenAI request body validated like the gateway validates it, or from flags), plans its route on fresh state (no
 * circuit open, no cooldown, no capacity used, no latency observed) at a given time, and prints the ordered
 * candidates, every channel passed over with its reason, and the `x-interchange-route` header the plan would produce.
 * Nothing is called.
 *
 * Exit codes: 0 a plan with at least one candidate; 1 an invalid configuration or an unknown model; 2 a usage error
 * (bad flags, an invalid request file or preferences) or a request no channel can take (after printing why).
 */
import { readFile } from 'node:fs/promises';
import { describeConfigError } from '../config/check-config.ts';
import { ConfigError, loadConfigFile } from '../config/load-config.ts';
import type { GatewayConfig, ModelConfig } from '../config/types.ts';
import { isGatewayError } from '../errors/index.ts';
import { buildLicenceBook, buildRoutes } from '../execution/routing-runtime.ts';
import { parseChatRequest, parseEmbeddingRequest } from '../frontends/openai/index.ts';
import {
  RouteTrace,
  describeEmbeddingRequest,
  describeRequest,
  formatCount,
  noRouteError,
  parsePreferencesHeader,
  planRoute,
  readClientPreferences,
  reasonText,
  routeHeader,
  type ClientPreferences,
  type ConfiguredLicenceBook,
  type ModelRoute,
  type RequestFeatures,
  type RouteChannel,
  type RouteInput,
  type RoutePlan,
  type RouteRequirements,
} from '../routing/index.ts';
import { CommandLineExit, parseCommandArgs, suggestion, usageProblem } from './main.ts';

export const routeUsage = `Usage: interchange route explain [--config FILE]
         (--request FILE | --model NAME [--stream] [--tools] [--image] [--json-schema] [--prompt TEXT] [--max-tokens N])
         [--prompt-tokens N] [--region R[,R…]] [--zero-retention] [--tenant T] [--sticky-key K]
         [--providers 'only=a,b; ignore=c; order=c,a; require_region=eu; allow_fallbacks=false; zdr=true']
         [--at 2031-06-01T12:00:00Z] [--json]
`;

const options = {
  config: { type: 'string' },
  request: { type: 'string' },
  model: { type: 'string' },
  stream: { type: 'boolean' },
  tools: { type: 'boolean' },
  image: { type: 'boolean' },
  'json-schema': { type: 'boolean' },
  prompt: { type: 'string' },
  'prompt-tokens': { type: 'string' },
  'max-tokens': { type: 'string' },
  region: { type: 'string' },
  'zero-retention': { type: 'boolean' },
  tenant: { type: 'string' },
  'sticky-key': { type: 'string' },
  providers: { type: 'string' },
  at: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Flags that shape the request body; with `--request` the file says these. */
const bodyFlags = ['model', 'stream', 'tools', 'image', 'json-schema', 'prompt', 'max-tokens'] as const;

/** A usage problem: printed with the usage, exit 2. */
class UsageError extends Error {}

/** `interchange route <subcommand>`. */
export async function runRoute(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === 'explain') return runRouteExplain(rest);
  if (subcommand === undefined || subcommand === 'help' || subcommand === '--help' || subcommand === '-h') {
    throw new CommandLineExit(subcommand === undefined ? 2 : 0, routeUsage);
  }
  throw new CommandLineExit(2, `interchange route: unknown subcommand "${subcommand}"${suggestion(subcommand, ['explain'], '')} (known: explain)\n\n${routeUsage}`);
}

interface Explanation {
  readonly config: GatewayConfig;
  readonly model: ModelConfig;
  readonly route: ModelRoute;
  readonly input: RouteInput;
  readonly plan: RoutePlan;
  readonly promptTokensGiven: boolean;
  readonly providersValue: string | undefined;
}

export async function runRouteExplain(args: string[]): Promise<number> {
  // A usage problem or --help ends here with the usage (see main.ts).
  const values = parseExplainArgs(args);
  try {
    const file = values.config ?? process.env.INTERCHANGE_CONFIG;
    if (file === undefined) throw new UsageError('no configuration: give --config FILE or set INTERCHANGE_CONFIG.');
    if (values.request === undefined && values.model === undefined) throw new UsageError('give --request FILE or --model NAME.');
    if (values.request !== undefined) {
      const conflicting = bodyFlags.filter((flag) => values[flag] !== undefined);
      if (conflicting.length > 0) throw new UsageError(`--request FILE already says ${conflicting.map((flag) => `--${flag}`).join(', ')}; edit the file instead.`);
    }
    if (values.prompt !== undefined && values['prompt-tokens'] !== undefined) throw new UsageError('give --prompt TEXT or --prompt-tokens N, not both.');
    const now = parseAt(values.at);
    const promptTokens = wholeNumber(values['prompt-tokens'], '--prompt-tokens', 0);
    const maxTokens = wholeNumber(values['max-tokens'], '--max-tokens', 1);

    let config: GatewayConfig;
    try {
      config = await loadConfigFile(file, undefined, 'unresolved');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(describeConfigError(file, error));
      return 1;
    }
    let routes: Map<string, ModelRoute>;
    let licences: ConfiguredLicenceBook;
    try {
      routes = buildRoutes(config);
      licences = buildLicenceBook(config);
    } catch (error) {
      process.stderr.write(`${file} is not valid (1 problem):\n${(error as Error).message}\n`);
      return 1;
    }

    // The request body: the file as the gateway would receive it, or one built from the flags.
    let body: Record<string, unknown>;
    if (values.request !== undefined) {
      body = await readRequestFile(values.request);
    } else {
      body = { model: values.model };
    }
    const modelName = typeof body.model === 'string' ? body.model : undefined;
    const model = modelName === undefined ? undefined : config.models.get(modelName);
    if (modelName !== undefined && model === undefined) {
      const known = [...config.models.keys()];
      process.stderr.write(`interchange route explain: unknown model "${modelName}"; ${known.length === 0 ? `${file} configures no model` : `configured: ${known.join(', ')}`}.\n`);
      return 1;
    }
    if (values.request === undefined) body = requestBodyFromFlags(model!, values, maxTokens);
    const route = routes.get(model?.name ?? '');

    let request: RequestFeatures;
    let preferences: ClientPreferences | undefined;
    try {
      if (model === undefined || model.type === 'chat') {
        // Validated like the gateway validates a chat completion (which also rejects a missing model).
        const chat = parseChatRequest(body);
        request = describeRequest(chat, { contextWindow: route?.smallestContextWindow });
      } else {
        const embedding = parseEmbeddingRequest(body);
        request = describeEmbeddingRequest(embedding, { contextWindow: route?.smallestContextWindow });
      }
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      const where = error.param === null || error.param === '' ? '' : ` (${error.param})`;
      const source = values.request ?? 'the request';
      throw new UsageError(`${source} would be rejected with ${error.status} ${error.code}${where}: ${error.message}`);
    }
    try {
      parsePreferencesHeader(values.providers);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      throw new UsageError(`--providers: ${error.message}`);
    }
    try {
      // The header's preferences, each field the body's `interchange.providers` sets replacing it (as the gateway does).
      preferences = readClientPreferences(values.providers, body);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      throw new UsageError(`${values.request ?? 'the request'} would be rejected with ${error.status} ${error.code} (${error.param}): ${error.message}`);
    }
    if (promptTokens !== undefined) request = { ...request, promptTokens, promptTokensExact: true, promptTokensUpperBound: promptTokens };

    const requirements: RouteRequirements = {
      allowedRegions: values.region === undefined ? undefined : regionList(values.region),
      zeroRetention: values['zero-retention'] === true ? true : undefined,
    };
    const input: RouteInput = {
      route: route!,
      request,
      preferences,
      requirements,
      tenant: values.tenant,
      stickyKey: values['sticky-key'],
      // Fresh state: nothing open, cooling, used or observed; only the licences (which depend on `now` alone) apply.
      state: { licences },
      now,
      // A weighted route draws its first channel per request; the dry run shows the heaviest first.
      random: () => 0,
    };
    const plan = planRoute(input);
    const explanation: Explanation = {
      config,
      model: model!,
      route: route!,
      input,
      plan,
      promptTokensGiven: promptTokens !== undefined,
      providersValue: values.providers,
    };
    process.stdout.write(values.json === true ? `${JSON.stringify(explanationDocument(explanation), null, 2)}\n` : formatExplanation(explanation));
    return plan.candidates.length === 0 ? 2 : 0;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`interchange route explain: ${error.message}\n\n${routeUsage}`);
    return 2;
  }
}

function parseExplainArgs(args: string[]) {
  const parsed = parseCommandArgs('route explain', args, options);
  if (parsed.positionals.length > 0) throw usageProblem('route explain', `unexpected argument "${parsed.positionals[0]}"`);
  return parsed.values;
}

async function readRequestFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the request file ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError(`${path}: expected a JSON object (an OpenAI request body).`);
  return body as Record<string, unknown>;
}

type ExplainValues = ReturnType<typeof parseExplainArgs>;

/** A body with what the flags describe: one user message (the prompt, an image), a tool, a JSON schema, stream, limit. */
function requestBodyFromFlags(model: ModelConfig, values: ExplainValues, maxTokens: number | undefined): Record<string, unknown> {
  const prompt = values.prompt ?? '';
  if (model.type === 'embedding') {
    const chatOnly = (['stream', 'tools', 'image', 'json-schema', 'max-tokens'] as const).filter((flag) => values[flag] !== undefined);
    if (chatOnly.length > 0) throw new UsageError(`"${model.name}" is an embedding model: ${chatOnly.map((flag) => `--${flag}`).join(', ')} apply to chat models only.`);
    return { model: model.name, input: prompt };
  }
  const content =
    values.image === true
      ? [
          { type: 'text', text: prompt },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ]
      : prompt;
  return {
    model: model.name,
    messages: [{ role: 'user', content }],
    ...(values.stream === true ? { stream: true } : {}),
    ...(values.tools === true ? { tools: [{ type: 'function', function: { name: 'example_tool', parameters: { type: 'object', properties: {} } } }] } : {}),
    ...(values['json-schema'] === true ? { response_format: { type: 'json_schema', json_schema: { name: 'example_schema', schema: { type: 'object' } } } } : {}),
    ...(maxTokens === undefined ? {} : { max_completion_tokens: maxTokens }),
  };
}

function parseAt(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const time = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError(`--at: expected a time like 2031-06-01T12:00:00Z (UTC unless an offset is given), got "${value}".`);
  return time;
}

function wholeNumber(value: string | undefined, flag: string, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value.replaceAll('_', ''));
  if (value.trim() === '' || !Number.isSafeInteger(number) || number < minimum) throw new UsageError(`${flag}: expected a whole number ≥ ${minimum}, got "${value}".`);
  return number;
}

function regionList(value: string): string[] {
  const regions = value
    .split(',')
    .map((region) => region.trim().toLowerCase())
    .filter((region) => region.length > 0);
  if (regions.length === 0) throw new UsageError('--region: list at least one region or region group.');
  return regions;
}

const weekdayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function describeTime(now: number): string {
  return `${new Date(now).toISOString()} (${weekdayNames[new Date(now).getUTCDay()]}, UTC)`;
}

function describeFeatures(request: RequestFeatures, route: ModelRoute, given: boolean): string {
  const how = given ? 'given' : request.promptTokensExact ? 'counted, o200k' : 'estimated, UTF-8 bytes / 4';
  const output = request.maxOutputTokens === undefined ? `${formatCount(route.expectedOutputTokens)} output (expected)` : `${formatCount(request.maxOutputTokens)} output (max)`;
  const uses = [
    ...(request.streaming ? ['stream'] : []),
    ...(request.tools ? ['tools'] : []),
    ...(request.vision ? [`${request.images} image${request.images === 1 ? '' : 's'}`] : []),
    ...(request.jsonSchema ? ['json schema'] : []),
  ];
  return `${formatCount(request.promptTokens)} prompt tokens (${how}) + ${output}${uses.length === 0 ? '' : `; ${uses.join(', ')}`}`;
}

/** Cost in dollars of the request on a channel, as `lowest-cost` ranks it; undefined when unpriced. */
function costOf(channel: RouteChannel, input: RouteInput): number | undefined {
  const price = channel.price;
  if (price === undefined) return undefined;
  const output = input.request.maxOutputTokens ?? input.route.expectedOutputTokens;
  return (input.request.promptTokens * price.inputMicrosPerMillion + output * price.outputMicrosPerMillion) / 1e12;
}

function formatDollars(value: number): string {
  return `$${Number(value.toPrecision(3))}`;
}

/** Notes on a candidate: primary, deferred, weight share, cost, region. */
function candidateNotes(channel: RouteChannel, explanation: Explanation, weightTotal: number): string[] {
  const { route, input, plan } = explanation;
  const notes: string[] = [];
  if (channel.primary) notes.push('primary');
  const deferred = plan.skipped.find((entry) => entry.channel === channel && entry.deferred);
  if (deferred !== undefined) notes.push(`last resort (${reasonText(deferred.reason)})`);
  if (route.policy === 'weighted' && weightTotal > 0) notes.push(`weight ${channel.weight} (${Math.round((channel.weight / weightTotal) * 100)}%)`);
  if (route.policy === 'lowest-cost') {
    const cost = costOf(channel, input);
    notes.push(cost === undefined ? 'unpriced' : `about ${formatDollars(cost)}`);
  }
  if (channel.region !== undefined) notes.push(`region ${channel.region}`);
  if (channel.dataPolicy?.zeroRetention === true) notes.push('zero retention');
  return notes;
}

/** What the policy does that a single dry run cannot show. */
function policyNote(explanation: Explanation): string | undefined {
  const { route, input } = explanation;
  const keyed = route.sticky && input.stickyKey !== undefined && (route.policy === 'weighted' || route.policy === 'round-robin');
  if (keyed) return `sticky key "${input.stickyKey}" keeps its first channel while that channel stays a candidate`;
  switch (route.policy) {
    case 'weighted':
      return 'the first channel is drawn per request in proportion to weight; shown heaviest first';
    case 'round-robin':
      return 'the first channel rotates per request; shown from the first turn';
    case 'lowest-latency':
      return 'no latency observed yet (fresh state): configuration order';
    case 'lowest-cost':
      return 'ranked by prompt tokens × input price + output tokens × output price; unpriced channels last';
    default:
      return undefined;
  }
}

function stickyNote(explanation: Explanation): string | undefined {
  const { model, route, input } = explanation;
  if (input.stickyKey !== undefined && !route.sticky) return `--sticky-key ignored: "${model.name}" is not sticky`;
  if (route.sticky && route.policy !== 'weighted' && route.policy !== 'round-robin') return `sticky by ${model.sticky?.header}: applies to weighted and round-robin routes only`;
  if (route.sticky && input.stickyKey === undefined) return `sticky by ${model.sticky?.header}: no --sticky-key given`;
  return undefined;
}

/**
 * The `x-interchange-route` value should the first candidate answer: the channels passed over while planning, then
 * its attempt (`<ms>` standing for its time to respond).
 */
function expectedHeader(plan: RoutePlan, route: ModelRoute): string {
  const first = plan.candidates[0];
  if (first === undefined) return plan.trace.toHeader();
  const trace = new RouteTrace(route.model, route.policy, plan.candidates, plan.skipped, plan.trace.primary);
  trace.attemptSucceeded(first, 0);
  const value = trace.toHeader();
  return value.endsWith(':ok@0ms') ? `${value.slice(0, -'0ms'.length)}<ms>ms` : value;
}

function table(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]))).join('  ').trimEnd());
}

export function formatExplanation(explanation: Explanation): string {
  const { model, route, input, plan } = explanation;
  const stickyText = model.sticky === undefined ? [] : [`sticky by ${model.sticky.header}`];
  const lines = [
    `model    ${model.name} (${[model.type, `route ${route.policy}`, ...stickyText].join(', ')}; ${route.channels.length} channel${route.channels.length === 1 ? '' : 's'})`,
    `at       ${describeTime(input.now)}`,
    'state    fresh: no circuit open, no cooldown, no capacity used, no latency observed',
    `request  ${describeFeatures(input.request, route, explanation.promptTokensGiven)}`,
  ];
  const conditions = [
    ...(input.requirements?.allowedRegions === undefined ? [] : [`region ${input.requirements.allowedRegions.join(',')}`]),
    ...(input.requirements?.zeroRetention === true ? ['zero retention'] : []),
    ...(input.tenant === undefined ? [] : [`tenant ${input.tenant}`]),
    ...(input.stickyKey === undefined ? [] : [`sticky key ${input.stickyKey}`]),
    ...(explanation.providersValue === undefined && input.preferences === undefined ? [] : [`preferences ${describePreferences(input.preferences)}`]),
  ];
  if (conditions.length > 0) lines.push(`         ${conditions.join('; ')}`);
  const notes = [policyNote(explanation), stickyNote(explanation)].filter((note) => note !== undefined);
  for (const note of notes) lines.push(`note     ${note}`);
  lines.push('');

  let weightTotal = 0;
  for (const channel of plan.candidates) if (channel.weight > 0) weightTotal += channel.weight;
  lines.push(`candidates (${plan.candidates.length})`);
  if (plan.candidates.length === 0) lines.push('  none');
  lines.push(...table(plan.candidates.map((channel, index) => [`${index + 1}. ${channel.id}`, candidateNotes(channel, explanation, weightTotal).join(', ')]), '  '));
  const passed = plan.skipped.filter((entry) => !entry.deferred);
  if (passed.length > 0) {
    lines.push(`skipped (${passed.length})`);
    lines.push(...table(passed.map((entry) => [entry.channel.id, reasonText(entry.reason)]), '  '));
  }
  const passover = plan.trace.primaryPassover();
  if (passover !== undefined && route.primary !== undefined) lines.push(`primary ${route.primary.id} passed over: ${reasonText(passover)}`);
  lines.push('');
  if (plan.candidates.length === 0) {
    const error = noRouteError(plan);
    lines.push(`No channel can take this request: the gateway would answer ${error.status} ${error.code}${error.param === null ? '' : ` (param ${error.param})`}:`);
    lines.push(`  ${error.message}`);
    lines.push(`${routeHeader}: ${plan.trace.toHeader()}`);
  } else {
    lines.push(`${routeHeader}: ${expectedHeader(plan, route)}`);
    lines.push(`  (should ${plan.candidates[0].id} answer; each failed attempt adds channel:fail=<status>@<ms>ms before the next)`);
  }
  return `${lines.join('\n')}\n`;
}

function describePreferences(preferences: ClientPreferences | undefined): string {
  if (preferences === undefined) return 'none';
  const parts = [
    ...(preferences.only === undefined ? [] : [`only=${preferences.only.join(',')}`]),
    ...(preferences.ignore === undefined ? [] : [`ignore=${preferences.ignore.join(',')}`]),
    ...(preferences.order === undefined ? [] : [`order=${preferences.order.join(',')}`]),
    ...(preferences.requireRegion === undefined ? [] : [`require_region=${preferences.requireRegion.join(',')}`]),
    ...(preferences.allowFallbacks ? [] : ['allow_fallbacks=false']),
    ...(preferences.zeroRetention ? ['zdr=true'] : []),
  ];
  return parts.length === 0 ? 'none' : parts.join('; ');
}

/** The `--json` document. */
export function explanationDocument(explanation: Explanation) {
  const { model, route, input, plan } = explanation;
  const request = input.request;
  const noRoute = plan.candidates.length === 0 ? noRouteError(plan) : undefined;
  return {
    model: model.name,
    type: model.type,
    policy: route.policy,
    sticky: model.sticky === undefined ? null : { header: model.sticky.header, key: input.stickyKey ?? null },
    at: new Date(input.now).toISOString(),
    state: 'fresh',
    request: {
      promptTokens: request.promptTokens,
      promptTokensSource: explanation.promptTokensGiven ? 'given' : request.promptTokensExact ? 'counted' : 'estimated',
      maxOutputTokens: request.maxOutputTokens ?? null,
      estimatedTokens: plan.estimatedTokens,
      stream: request.streaming,
      tools: request.tools,
      images: request.images,
      jsonSchema: request.jsonSchema,
    },
    requirements: {
      regions: input.requirements?.allowedRegions ?? null,
      zeroRetention: input.requirements?.zeroRetention === true,
    },
    tenant: input.tenant ?? null,
    preferences: input.preferences ?? null,
    candidates: plan.candidates.map((channel, index) => ({
      position: index + 1,
      channel: channel.id,
      provider: channel.provider,
      providerKind: channel.providerKind ?? null,
      upstreamModel: channel.upstreamModel,
      primary: channel.primary,
      region: channel.region ?? null,
      ...(route.policy === 'lowest-cost' ? { costUsd: costOf(channel, input) ?? null } : {}),
      ...(route.policy === 'weighted' ? { weight: channel.weight } : {}),
      deferred: plan.skipped.some((entry) => entry.channel === channel && entry.deferred),
    })),
    skipped: plan.skipped.map((entry) => ({
      channel: entry.channel.id,
      kind: entry.reason.kind,
      code: entry.reason.code,
      reason: reasonText(entry.reason),
      deferred: entry.deferred,
    })),
    primaryPassover: (() => {
      const passover = plan.trace.primaryPassover();
      return passover === undefined ? null : reasonText(passover);
    })(),
    header: plan.candidates.length === 0 ? plan.trace.toHeader() : expectedHeader(plan, route),
    noRoute: noRoute === undefined ? null : { status: noRoute.status, code: noRoute.code, param: noRoute.param, message: noRoute.message },
    trace: plan.trace.toJSON(),
  };
}
