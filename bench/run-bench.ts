// `npm run bench`: starts the OpenAI emulator, the floor proxy and the gateway, drives load at each of them from
// a separate, pinned process, and prints direct-to-emulator / floor proxy / gateway side by side, then the target
// checks as ratios within this one run. All figures also go to bench/results/bench-<timestamp>.json.
// `--upstream azure-openai` does the same with the Azure OpenAI emulator behind an azure-openai channel; `--upstream
// both` measures both upstreams in the same alternating rounds and compares them; `--upstream vertex` adds the Vertex
// emulator behind a vertex channel (Gemini API) to today's run and compares it with the OpenAI-compatible channel;
// `--upstream all` does all three. `--routing` adds gateway-routed (the same gateway, a model routed primary-first
// over three channels at the same emulator) and compares it with the single-channel gateway. See bench/README.md.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from 'undici';
import type { LoadResult } from './load-generator.ts';
import { GeneratorHandle } from './lib/generator-handle.ts';
import { parseOptions, USAGE } from './lib/options.ts';
import type { BenchOptions, TargetName, TargetRoute, Upstream } from './lib/options.ts';
import { startGoogleCredentialStub } from './lib/google-credentials.ts';
import type { GoogleCredentialStub } from './lib/google-credentials.ts';
import { readAllCpu, readAllRss, RssSampler } from './lib/process-metrics.ts';
import { InstructionSampler, perfInstructionsAvailable } from './lib/instruction-sampler.ts';
import {
  freePort,
  hasTaskset,
  killAllNow,
  liveProcesses,
  logTail,
  pinProcess,
  startNodeProcess,
  stopProcess,
  waitForHttp,
} from './lib/processes.ts';
import type { ManagedProcess } from './lib/processes.ts';
import {
  computeChecks,
  computeRoutingChecks,
  computeUpstreamChecks,
  formatChecks,
  formatReference,
  formatRoutingComparison,
  formatTables,
  formatUpstreamComparison,
  resultLabel,
  targetLabel,
} from './lib/report.ts';
import type { Check, ComparedUpstream, Mode, ScenarioResult } from './lib/report.ts';
import { formatCoreComparison, judgeCoreFigures } from './lib/core-comparison.ts';
import type { InterleavedOptions, InterleavedResult } from './interleaved-load.ts';
import {
  AZURE_API_KEY,
  AZURE_DIRECT_REQUEST,
  AZURE_GATEWAY_REQUEST,
  MODEL,
  NON_STREAMING_BODY,
  OPENAI_REQUEST,
  ROUTED_GATEWAY_REQUEST,
  ROUTED_MODEL,
  ROUTED_PRIMARY,
  STREAMING_BODY,
  VERTEX_DIRECT_REQUEST,
  VERTEX_GATEWAY_REQUEST,
  VERTEX_LOCATION,
  VERTEX_MODEL,
  VERTEX_PROJECT,
  VERTEX_TOKEN,
} from './lib/request-body.ts';
import type { TargetRequest } from './lib/request-body.ts';
import { gatewayConfig } from './lib/gateway-config.ts';
import { checkResponseShape, checkRouteHeader, roundOrder, summarizeRoutedMetrics } from './lib/targets.ts';
import type { RoutedMetrics } from './lib/targets.ts';


/** V8 flags the gateway's launchers use: a 16 MiB young-generation cap so RSS returns near idle after load. */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=16'];
const BENCH_DIRECTORY = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIRECTORY, '..');
const RESULTS_DIRECTORY = join(BENCH_DIRECTORY, 'results');
const GENERATOR_CORE = 0;
const SERVER_CORE = 1;
const REQUEST_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 30_000;

type Target = {
  name: TargetName;
  upstream: Upstream;
  /** `--routing`: gateway-routed's model is routed primary-first over three channels; undefined on every other target. */
  route?: TargetRoute;
  /** `gateway`, or `gateway-azure` through the Azure upstream, `gateway-routed` (see targetLabel). */
  label: string;
  /** Path, headers and bodies this target is sent. */
  request: TargetRequest;
  process: ManagedProcess;
  /** Name of the process whose RSS is the target's own. */
  processName: string;
  origin: string;
  /** Why this target cannot be measured (failed start or smoke test), or null. */
  broken: string | null;
};

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The Azure OpenAI emulator, pinned like the OpenAI one: `<emulator-bin> emulate azure-openai …` when the CLI has
 * it, else bench/azure-emulator-process.ts (the same emulator, started from its module).
 */
async function startAzureEmulator(
  options: BenchOptions,
  serverCore: number | null,
  temporary: string,
): Promise<{ process: ManagedProcess; origin: string }> {
  const attempts: ManagedProcess[] = [];
  const attempt = async (script: string[], logName: string) => {
    const port = await freePort();
    const started = startNodeProcess({
      name: 'azure-emulator',
      nodeArguments: options.control
        ? [options.emulatorBin, 'emulate', 'openai', '--host', '127.0.0.1', '--port', String(port), '--quiet']
        : [...script, '--host', '127.0.0.1', '--port', String(port), '--api-key', AZURE_API_KEY, '--quiet'],
      core: serverCore,
      cwd: ROOT,
      logPath: join(temporary, logName),
      stdinPipe: true,
    });
    attempts.push(started);
    const origin = `http://127.0.0.1:${port}`;
    // Any HTTP answer means it listens (without the api-key this is a 401).
    await waitForHttp(`${origin}${options.control ? '/v1/models' : '/openai/v1/models'}`, () => true, started, READY_TIMEOUT_MS);
    return { process: started, origin };
  };
  try {
    return await attempt([options.emulatorBin, 'emulate', 'azure-openai'], 'azure-emulator-cli.log');
  } catch (error) {
    // Only a CLI that refused (exited at once: no `emulate azure-openai` yet) falls back; anything else is a failure.
    if (attempts.length !== 1 || !attempts[0].hasExited()) throw error;
    log(`\`${options.emulatorBin} emulate azure-openai\` did not start (${errorText(error).split('\n')[0]}); using bench/azure-emulator-process.ts`);
    return attempt([join(BENCH_DIRECTORY, 'azure-emulator-process.ts'), '--exit-with-stdin'], 'azure-emulator.log');
  }
}

/**
 * The Vertex emulator, pinned like the others: `<emulator-bin> emulate vertex …` when the CLI has it, else
 * bench/vertex-emulator-process.ts (the same emulator, started from its module, accepting the bench's token).
 */
async function startVertexEmulator(
  options: BenchOptions,
  serverCore: number | null,
  temporary: string,
): Promise<{ process: ManagedProcess; origin: string }> {
  const attempts: ManagedProcess[] = [];
  const attempt = async (script: string[], logName: string) => {
    const port = await freePort();
    const started = startNodeProcess({
      name: 'vertex-emulator',
      nodeArguments: [...script, '--host', '127.0.0.1', '--port', String(port), '--project', VERTEX_PROJECT, '--token', VERTEX_TOKEN, '--quiet'],
      core: serverCore,
      cwd: ROOT,
      logPath: join(temporary, logName),
      stdinPipe: true,
    });
    attempts.push(started);
    const origin = `http://127.0.0.1:${port}`;
    // Any HTTP answer means it listens (a GET on a model is a 401 or a 404).
    await waitForHttp(`${origin}/v1/projects/${VERTEX_PROJECT}/locations/${VERTEX_LOCATION}/publishers/google/models/${VERTEX_MODEL}`, () => true, started, READY_TIMEOUT_MS);
    return { process: started, origin };
  };
  try {
    return await attempt([options.emulatorBin, 'emulate', 'vertex'], 'vertex-emulator-cli.log');
  } catch (error) {
    // Only a CLI that refused (exited at once: no `emulate vertex` yet) falls back; anything else is a failure.
    if (attempts.length !== 1 || !attempts[0].hasExited()) throw error;
    log(`\`${options.emulatorBin} emulate vertex\` did not start (${errorText(error).split('\n')[0]}); using bench/vertex-emulator-process.ts`);
    return attempt([join(BENCH_DIRECTORY, 'vertex-emulator-process.ts'), '--exit-with-stdin'], 'vertex-emulator.log');
  }
}

/**
 * One request of each kind, checked for shape, before any load: a broken target is reported, not measured. With
 * `routeChannel`, the response's x-interchange-route must say that channel answered first time (see checkRouteHeader),
 * and `onRoute` gets the header's value.
 */
async function smokeTest(
  origin: string,
  request: TargetRequest,
  streaming: boolean,
  routeChannel: string | null = null,
  onRoute: (value: string) => void = () => {},
): Promise<string | null> {
  const client = new Client(origin);
  try {
    const response = await client.request({
      path: streaming ? (request.streamingPath ?? request.path) : request.path,
      method: 'POST',
      headers: request.headers,
      body: streaming ? request.streamingBody : request.nonStreamingBody,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
    const shape = checkResponseShape(text, streaming, request.format ?? 'openai');
    if (shape !== null || routeChannel === null) return shape;
    const route = response.headers['x-interchange-route'];
    if (route !== undefined) onRoute(Array.isArray(route) ? route.join(', ') : route);
    return checkRouteHeader(route, routeChannel);
  } catch (error) {
    return `request failed: ${errorText(error)}`;
  } finally {
    await client.close().catch(() => {});
  }
}

/** `--routing`: the gateway's /metrics after the load, for which channels served the routed model (null if unreadable). */
async function readRoutedMetrics(origin: string): Promise<RoutedMetrics | null> {
  const client = new Client(origin);
  try {
    const response = await client.request({ path: '/metrics', method: 'GET', headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    return summarizeRoutedMetrics(text, ROUTED_MODEL);
  } catch (error) {
    log(`could not read the gateway's /metrics: ${errorText(error)}`);
    return null;
  } finally {
    await client.close().catch(() => {});
  }
}

/** Warm-up before every measured segment after a target's first (its connections are already open and warm). */
const ROUND_WARMUP_MS = 200;

type GroupState = {
  target: Target;
  handle: GeneratorHandle | null;
  error: string | null;
  load: LoadResult | null;
  cpuSeconds: Record<string, number>;
  cpuKnown: boolean;
  windowSeconds: number;
  /** The measured windows (performance.now() ms), for the instruction counts read after the group. */
  windows: Array<[number, number]>;
};

function rotate<T>(items: T[], by: number): T[] {
  const shift = items.length === 0 ? 0 : by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * One (mode, connections) group: a load-generator process per target, then `rounds` rounds in which each target
 * gets one measured segment in turn (order rotated every round). Noise from the machine (it comes and goes over
 * seconds on a shared VM) thus falls on all targets alike instead of on whichever ran during it.
 */
async function runGroup(
  options: BenchOptions,
  targets: Target[],
  mode: Mode,
  connections: number,
  serverPids: Map<string, number>,
): Promise<ScenarioResult[]> {
  const streaming = mode === 'streaming';
  const warmupMs = Math.round(options.warmupSeconds * 1000);
  const segmentMs = Math.max(50, Math.round((options.durationSeconds * 1000) / options.rounds));
  const roundWarmupMs = Math.min(ROUND_WARMUP_MS, warmupMs);
  const states: GroupState[] = targets.map((target) => ({
    target,
    handle: null,
    error: target.broken,
    load: null,
    cpuSeconds: {},
    cpuKnown: true,
    windowSeconds: 0,
    windows: [],
  }));
  const lifetimeMs =
    (warmupMs + options.rounds * (roundWarmupMs + segmentMs + REQUEST_TIMEOUT_MS)) * Math.max(1, targets.length) + 60_000;

  const idle = readAllRss(serverPids);
  const sampler = new RssSampler(serverPids, 100);
  sampler.start();
  const instructionSamplers = new Map<string, InstructionSampler>();
  if (options.instructions) {
    for (const [name, pid] of serverPids) instructionSamplers.set(name, new InstructionSampler(pid, options.pin ? GENERATOR_CORE : null));
  }
  try {
    for (const state of states) {
      if (state.error !== null) continue;
      try {
        state.handle = new GeneratorHandle(
          BENCH_DIRECTORY,
          ROOT,
          {
            origin: state.target.origin,
            path: streaming ? (state.target.request.streamingPath ?? state.target.request.path) : state.target.request.path,
            body: streaming ? state.target.request.streamingBody : state.target.request.nonStreamingBody,
            headers: state.target.request.headers,
            streaming,
            ...(state.target.request.format === undefined ? {} : { format: state.target.request.format }),
            connections,
            maxRequests: options.maxRequests,
            requestTimeoutMs: REQUEST_TIMEOUT_MS,
            lifetimeMs,
          },
          options.pin ? GENERATOR_CORE : null,
        );
        await state.handle.ready();
      } catch (error) {
        state.error = `could not start the load generator: ${errorText(error)}`;
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const state of rotate(states, round)) {
        const handle = state.handle;
        if (state.error !== null || handle === null) continue;
        if (state.target.process.hasExited()) {
          state.error = `${state.target.process.name} has exited (${await state.target.process.exited})${logTail(state.target.process, 600)}`;
          state.target.broken = state.error;
          continue;
        }
        let cpuStart: Record<string, number | null> = {};
        let startedAt = 0;
        handle.onEdge = (edge) => {
          if (edge === 'measure-start') {
            cpuStart = readAllCpu(serverPids);
            startedAt = performance.now();
            return;
          }
          const cpuEnd = readAllCpu(serverPids);
          const endedAt = performance.now();
          state.windowSeconds += (endedAt - startedAt) / 1000;
          state.windows.push([startedAt, endedAt]);
          for (const name of serverPids.keys()) {
            const before = cpuStart[name];
            const after = cpuEnd[name];
            if (before == null || after == null) state.cpuKnown = false;
            else state.cpuSeconds[name] = (state.cpuSeconds[name] ?? 0) + (after - before);
          }
        };
        try {
          await handle.segment(round === 0 ? warmupMs : roundWarmupMs, segmentMs, REQUEST_TIMEOUT_MS);
        } catch (error) {
          state.error = errorText(error);
          await handle.kill();
        }
      }
    }
    for (const state of states) {
      if (state.error !== null || state.handle === null) continue;
      try {
        state.load = await state.handle.finish();
      } catch (error) {
        state.error = errorText(error);
      }
    }
  } finally {
    for (const state of states) if (state.handle !== null) await state.handle.kill();
  }
  const serverInstructions = await readInstructions(states, instructionSamplers);
  const peaks = sampler.stop();
  // RSS "after": once the load has ended and settled (only read when floor or gateway took part: the judged ones).
  let after: Record<string, number | null> = {};
  if (options.settleSeconds > 0 && states.some((state) => state.target.name !== 'direct' && state.error === null)) {
    await sleep(options.settleSeconds * 1000);
    after = readAllRss(serverPids);
  }
  const rssAll: ScenarioResult['rssAll'] = {};
  for (const name of serverPids.keys()) {
    rssAll[name] = { idleBefore: idle[name] ?? null, peak: peaks.get(name) ?? null, after: after[name] ?? null };
  }
  return states.map((state) => {
    const own = rssAll[state.target.processName];
    const serverCpu: Record<string, number | null> = {};
    for (const name of serverPids.keys()) {
      const seconds = state.cpuSeconds[name];
      serverCpu[name] = !state.cpuKnown || seconds === undefined || state.windowSeconds <= 0 ? null : seconds / state.windowSeconds;
    }
    let error = state.error;
    if (error === null && state.load !== null && state.load.recorded === 0) {
      error = `no successful response in the measured windows (${state.load.errors} errors, ${state.load.non2xx} non-2xx; first: ${state.load.firstError ?? 'none'})`;
    }
    if (error === null && state.target.process.hasExited()) {
      error = `${state.target.process.name} exited during the scenario${logTail(state.target.process, 600)}`;
      state.target.broken = error;
    }
    return {
      target: state.target.name,
      upstream: state.target.upstream,
      ...(state.target.route === undefined ? {} : { route: state.target.route }),
      mode,
      connections,
      ok: error === null && state.load !== null,
      error: error ?? (state.load === null ? 'no result' : null),
      load: state.load,
      rss: own === undefined ? null : { process: state.target.processName, ...own, after: state.target.name === 'direct' ? null : own.after },
      rssAll,
      serverCpu,
      ...(instructionSamplers.size === 0 ? {} : { serverInstructions: serverInstructions.get(state) ?? {} }),
    };
  });
}

/**
 * Each target's instructions per second of its measured windows, per server process (null where perf could not
 * count); then the samplers are stopped.
 */
/**
 * `--upstream both` at one connection: direct, gateway, direct-azure and gateway-azure in one interleaved load (one
 * request to each in turn; bench/interleaved-load.ts), for the latency comparison between the two upstreams. Null when
 * a target is missing or broken.
 */
async function runInterleavedLatency(options: BenchOptions, targets: Target[], mode: Mode): Promise<InterleavedResult | null> {
  const wanted = (['direct', 'gateway'] as const).flatMap((name) =>
    (['openai-compatible', 'azure-openai'] as const).map((upstream) => targets.find((t) => t.name === name && t.upstream === upstream && t.route === undefined)),
  );
  if (wanted.some((target) => target === undefined || target.broken !== null)) return null;
  const streaming = mode === 'streaming';
  const interleavedOptions: InterleavedOptions = {
    targets: wanted.map((target) => ({
      label: target!.label,
      origin: target!.origin,
      path: target!.request.path,
      headers: target!.request.headers,
      body: streaming ? target!.request.streamingBody : target!.request.nonStreamingBody,
    })),
    streaming,
    warmupMs: Math.round(options.warmupSeconds * 1000),
    durationMs: Math.round(options.durationSeconds * 1000),
    maxRequestsPerTarget: options.maxRequests,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
  };
  const child = startNodeProcess({
    name: 'interleaved-load',
    nodeArguments: [join(BENCH_DIRECTORY, 'interleaved-load.ts'), JSON.stringify(interleavedOptions)],
    core: options.pin ? GENERATOR_CORE : null,
    cwd: ROOT,
    logPath: null,
  });
  let stdout = '';
  let stderr = '';
  child.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const code = await child.exited;
  if (code !== 0) {
    log(`interleaved load (${mode}) failed (exit ${code}): ${stderr.trim().slice(-500)}`);
    return null;
  }
  const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as InterleavedResult;
  for (const target of result.targets) {
    if (target.failures > 0) log(`interleaved load (${mode}): ${target.label}: ${target.failures} failed requests (first: ${target.firstError})`);
  }
  return result;
}

async function readInstructions(
  states: GroupState[],
  samplers: Map<string, InstructionSampler>,
): Promise<Map<GroupState, Record<string, number | null>>> {
  const byState = new Map<GroupState, Record<string, number | null>>();
  try {
    const lastEnd = Math.max(0, ...states.flatMap((state) => state.windows.map(([, end]) => end)));
    await Promise.all([...samplers.values()].map((sampler) => sampler.reach(lastEnd)));
    for (const state of states) {
      const perSecond: Record<string, number | null> = {};
      for (const [name, sampler] of samplers) {
        let total: number | null = 0;
        for (const [from, to] of state.windows) {
          const count = sampler.between(from, to);
          total = count === null || total === null ? null : total + count;
        }
        perSecond[name] = total === null || state.windowSeconds <= 0 ? null : total / state.windowSeconds;
      }
      byState.set(state, perSecond);
    }
  } finally {
    await Promise.all([...samplers.values()].map((sampler) => sampler.stop()));
  }
  return byState;
}

function gitDescription(): { commit: string | null; dirty: boolean | null } {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
  return {
    commit: head.status === 0 ? head.stdout.trim() : null,
    dirty: status.status === 0 ? status.stdout.trim().length > 0 : null,
  };
}

async function stopEverything(gateway: ManagedProcess | null, cpuProf: boolean): Promise<void> {
  const stops: Promise<void>[] = [];
  for (const managed of liveProcesses()) {
    // With --cpu-prof the gateway must exit normally for Node to write the profile: SIGINT and a longer grace.
    if (managed === gateway && cpuProf) stops.push(stopProcess(managed, 'SIGINT', 10_000));
    else stops.push(stopProcess(managed, 'SIGTERM', 3000));
  }
  await Promise.all(stops);
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${errorText(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const started = new Date();
  const cores = availableParallelism(); // before pinning this process narrows what it sees
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const temporary = mkdtempSync(join(tmpdir(), 'interchange-bench-'));
  temporaryDirectory = temporary;

  let pinned = false;
  if (options.pin) {
    if (cores < 2) log('warning: fewer than 2 cores available; running unpinned');
    else if (!hasTaskset()) log('warning: taskset not found; running unpinned (figures will be noisier)');
    else pinned = pinProcess(process.pid, GENERATOR_CORE);
    if (!pinned) options.pin = false;
  }
  log(
    pinned
      ? `pinned: load generator and harness on core ${GENERATOR_CORE}; ` +
          `${options.upstreams.length > 1 ? 'emulators' : 'emulator'}, floor proxy and gateway on core ${SERVER_CORE}`
      : 'unpinned',
  );

  if (options.instructions && !perfInstructionsAvailable()) {
    log('perf stat cannot count instructions here (not installed, or no hardware counters): instructions not measured');
    options.instructions = false;
  }

  const serverCore = options.pin ? SERVER_CORE : null;
  const targets: Target[] = [];
  const serverPids = new Map<string, number>();
  let gatewayProcess: ManagedProcess | null = null;
  const results: ScenarioResult[] = [];
  let fatal: string | null = null;
  const wantsOpenAI = options.upstreams.includes('openai-compatible');
  const wantsAzure = options.upstreams.includes('azure-openai');
  const wantsVertex = options.upstreams.includes('vertex');
  let googleCredentials: GoogleCredentialStub | null = null;
  let routedMetrics: RoutedMetrics | null = null;
  /** `--upstream both`: the interleaved latency loads at one connection (non-streaming, streaming). */
  const interleaved: InterleavedResult[] = [];
  const target = (name: TargetName, upstream: Upstream, process: ManagedProcess, processName: string, origin: string, request: TargetRequest): Target =>
    ({ name, upstream, label: targetLabel(name, upstream), request, process, processName, origin, broken: null });

  try {
    // Emulators: always needed (every target ends at one). The OpenAI emulator has no key; the Azure one does.
    const directTargets: Target[] = [];
    let emulatorPort: number | null = null;
    let emulatorOrigin: string | null = null;
    if (wantsOpenAI) {
      emulatorPort = await freePort();
      const emulator = startNodeProcess({
        name: 'emulator',
        nodeArguments: [options.emulatorBin, 'emulate', 'openai', '--host', '127.0.0.1', '--port', String(emulatorPort), '--quiet'],
        core: serverCore,
        cwd: ROOT,
        logPath: join(temporary, 'emulator.log'),
      });
      emulatorOrigin = `http://127.0.0.1:${emulatorPort}`;
      await waitForHttp(`${emulatorOrigin}/v1/models`, () => true, emulator, READY_TIMEOUT_MS);
      serverPids.set('emulator', emulator.pid);
      log(`emulator ready on ${emulatorOrigin} (pid ${emulator.pid})`);
      if (options.only.includes('direct')) {
        directTargets.push(target('direct', 'openai-compatible', emulator, 'emulator', emulatorOrigin, OPENAI_REQUEST));
      }
    }
    let azurePort: number | null = null;
    let azureOrigin: string | null = null;
    if (wantsAzure) {
      const azure = await startAzureEmulator(options, serverCore, temporary);
      azureOrigin = azure.origin;
      azurePort = Number(new URL(azure.origin).port);
      serverPids.set('azure-emulator', azure.process.pid);
      log(`Azure OpenAI emulator ready on ${azureOrigin} (pid ${azure.process.pid})`);
      if (options.only.includes('direct')) {
        directTargets.push(target('direct', 'azure-openai', azure.process, 'azure-emulator', azureOrigin, options.control ? OPENAI_REQUEST : AZURE_DIRECT_REQUEST));
      }
    }
    let vertexPort: number | null = null;
    if (wantsVertex) {
      const vertex = await startVertexEmulator(options, serverCore, temporary);
      vertexPort = Number(new URL(vertex.origin).port);
      serverPids.set('vertex-emulator', vertex.process.pid);
      log(`Vertex emulator ready on ${vertex.origin} (pid ${vertex.process.pid})`);
      if (options.only.includes('direct')) {
        directTargets.push(target('direct', 'vertex', vertex.process, 'vertex-emulator', vertex.origin, VERTEX_DIRECT_REQUEST));
      }
    }

    // The floor proxy: in front of the OpenAI emulator, and (with --upstream azure-openai/both/all) one in front of the
    // Azure emulator, so the core targets can be judged against each upstream in the same run. Vertex speaks Gemini,
    // which the pass-through floor does not model; its comparison is gateway against gateway.
    const floorTargets: Target[] = [];
    const floorUpstreams: Upstream[] = [...(wantsOpenAI ? ['openai-compatible' as const] : []), ...(wantsAzure ? ['azure-openai' as const] : [])];
    for (const floorUpstream of options.only.includes('floor') ? floorUpstreams : []) {
      const upstreamOrigin = floorUpstream === 'openai-compatible' ? emulatorOrigin : azureOrigin;
      if (upstreamOrigin === null) throw new Error('no emulator for the floor proxy');
      const label = targetLabel('floor', floorUpstream);
      const floorPort = await freePort();
      const floor = startNodeProcess({
        name: label,
        nodeArguments: [
          join(BENCH_DIRECTORY, 'floor-proxy.ts'),
          '--port', String(floorPort),
          '--upstream', upstreamOrigin,
          ...(floorUpstream === 'azure-openai' && !options.control ? ['--upstream-header', `api-key:${AZURE_API_KEY}`] : []),
          '--exit-with-stdin',
        ],
        core: serverCore,
        cwd: ROOT,
        logPath: join(temporary, `${label}.log`),
        stdinPipe: true,
      });
      const origin = `http://127.0.0.1:${floorPort}`;
      await waitForHttp(`${origin}/`, () => true, floor, READY_TIMEOUT_MS);
      serverPids.set(label, floor.pid);
      log(`${label === 'floor' ? 'floor proxy' : label} ready on ${origin} (pid ${floor.pid})`);
      floorTargets.push(
        target('floor', floorUpstream, floor, label, origin, floorUpstream === 'openai-compatible' || options.control ? OPENAI_REQUEST : AZURE_DIRECT_REQUEST),
      );
    }

    const gatewayTargets: Target[] = [];
    if (options.only.includes('gateway')) {
      const gatewayPort = await freePort();
      const configPath = join(temporary, 'gateway.yaml');
      writeFileSync(configPath, gatewayConfig(gatewayPort, emulatorPort, azurePort, vertexPort, options.routing, options.control));
      // Vertex: application-default Google credentials that resolve, on loopback only, to the token the emulator accepts.
      if (wantsVertex) {
        googleCredentials = await startGoogleCredentialStub({ directory: temporary, accessToken: VERTEX_TOKEN, project: VERTEX_PROJECT });
      }
      // The gateway runs with the V8 flags its launcher sets (bin/interchange.js's shebang and `npm start`).
      const nodeFlags = options.cpuProf
        ? [
            ...GATEWAY_NODE_FLAGS,
            '--cpu-prof',
            '--cpu-prof-dir', RESULTS_DIRECTORY,
            '--import', pathToFileURL(join(BENCH_DIRECTORY, 'lib', 'exit-on-signal.ts')).href,
          ]
        : GATEWAY_NODE_FLAGS;
      gatewayProcess = startNodeProcess({
        name: 'gateway',
        nodeArguments: [...nodeFlags, options.gatewayBin, 'serve', '--config', configPath],
        core: serverCore,
        cwd: ROOT,
        logPath: join(temporary, 'gateway.log'),
        ...(googleCredentials === null ? {} : { env: { ...process.env, ...googleCredentials.env } }),
      });
      const origin = `http://127.0.0.1:${gatewayPort}`;
      if (wantsOpenAI) gatewayTargets.push(target('gateway', 'openai-compatible', gatewayProcess, 'gateway', origin, OPENAI_REQUEST));
      if (options.routing) {
        gatewayTargets.push({
          ...target('gateway', 'openai-compatible', gatewayProcess, 'gateway', origin, ROUTED_GATEWAY_REQUEST),
          route: 'primary-first',
          label: targetLabel('gateway', 'openai-compatible', 'primary-first'),
        });
      }
      if (wantsAzure) gatewayTargets.push(target('gateway', 'azure-openai', gatewayProcess, 'gateway', origin, AZURE_GATEWAY_REQUEST));
      if (wantsVertex) gatewayTargets.push(target('gateway', 'vertex', gatewayProcess, 'gateway', origin, VERTEX_GATEWAY_REQUEST));
      try {
        await waitForHttp(`${origin}/readyz`, (status) => status === 200, gatewayProcess, READY_TIMEOUT_MS);
        serverPids.set('gateway', gatewayProcess.pid);
        log(`gateway ready on ${origin} (pid ${gatewayProcess.pid})`);
      } catch (error) {
        const broken = `gateway did not start: ${errorText(error)}`;
        for (const gatewayTarget of gatewayTargets) gatewayTarget.broken = broken;
        log(broken);
      }
    }

    targets.push(...roundOrder([...directTargets, ...floorTargets, ...gatewayTargets], options.upstreams));

    const modes: Mode[] = [];
    if (options.nonStreaming) modes.push('non-streaming');
    if (options.streaming) modes.push('streaming');

    for (const target of targets) {
      if (target.broken !== null) continue;
      for (const mode of modes) {
        // gateway-routed: the primary channel must answer, first time (x-interchange-route names it with ok).
        const routeChannel = target.route === undefined ? null : `${ROUTED_PRIMARY}/${MODEL}`;
        const problem = await smokeTest(target.origin, target.request, mode === 'streaming', routeChannel, (value) =>
          log(`${target.label} (${mode}): x-interchange-route: ${value}`),
        );
        if (problem !== null) {
          target.broken = `smoke test (${mode}) failed: ${problem}`;
          log(`${target.label}: ${target.broken}`);
          break;
        }
      }
    }

    const total = modes.length * options.connections.length;
    let index = 0;
    for (const mode of modes) {
      for (const connections of options.connections) {
        index++;
        log(
          `[${index}/${total}] ${mode}, ${connections} conn: ${targets.map((t) => t.label).join(', ')} in ${options.rounds} ` +
            `alternating rounds of ${(options.durationSeconds / options.rounds).toFixed(2)} s`,
        );
        const group = await runGroup(options, targets, mode, connections, serverPids);
        for (const result of group) if (!result.ok) log(`  ${resultLabel(result)} failed: ${result.error}`);
        results.push(...group);
      }
    }
    if (options.upstreams.includes('openai-compatible') && options.upstreams.includes('azure-openai') && options.connections.includes(1)) {
      for (const mode of modes) {
        log(`interleaved latency, ${mode}, 1 conn: direct, gateway, direct-azure, gateway-azure in turn for ${options.durationSeconds} s`);
        const result = await runInterleavedLatency(options, targets, mode);
        if (result !== null) interleaved.push(result);
      }
    }
    const routed = targets.find((candidate) => candidate.route !== undefined);
    if (routed !== undefined && !routed.process.hasExited()) routedMetrics = await readRoutedMetrics(routed.origin);
  } catch (error) {
    fatal = errorText(error);
    log(`fatal: ${fatal}`);
  } finally {
    await stopEverything(gatewayProcess, options.cpuProf);
  }

  // The targets for the main upstream (in `both`, the OpenAI-compatible one: it has the floor proxy), and with
  // both upstreams the Azure-vs-OpenAI-compatible comparison.
  const checks = computeChecks(results, options.connections, options.upstreams[0]);
  const compared = options.upstreams.length > 1 ? options.upstreams.filter((upstream): upstream is ComparedUpstream => upstream !== 'openai-compatible') : [];
  const comparisonChecks = compared.map((upstream) => ({ upstream, checks: computeUpstreamChecks(results, options.connections, upstream) }));
  const upstreamChecks: Check[] = comparisonChecks.flatMap((comparison) => comparison.checks);
  // With an Azure floor beside the OpenAI-compatible one: the core targets against the Azure emulator, and each core
  // figure via Azure compared with the same figure via the OpenAI-compatible upstream.
  const azureCore =
    options.upstreams[0] === 'openai-compatible' && results.some((result) => result.target === 'floor' && result.upstream === 'azure-openai')
      ? computeChecks(results, options.connections, 'azure-openai')
      : [];
  const coreComparisonChecks = azureCore.length > 0 ? judgeCoreFigures(results, options.connections, 'azure-openai', interleaved) : [];
  // --routing: gateway-routed (primary-first over three channels) against gateway (one channel).
  const routingChecks = options.routing ? computeRoutingChecks(results, options.connections) : [];
  if (googleCredentials !== null) {
    log(`Google token exchanges the gateway made at the bench's stub: ${googleCredentials.exchanges()} (expected 1)`);
    await googleCredentials.close();
  }
  const environment = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpus()[0]?.model ?? null,
    cores,
    pinned,
    generatorCore: pinned ? GENERATOR_CORE : null,
    serverCore: pinned ? SERVER_CORE : null,
    requestBytes: { nonStreaming: Buffer.byteLength(NON_STREAMING_BODY), streaming: Buffer.byteLength(STREAMING_BODY) },
    ...gitDescription(),
  };

  let profiles: string[] = [];
  if (options.cpuProf) {
    profiles = readdirSync(RESULTS_DIRECTORY)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => join(RESULTS_DIRECTORY, name))
      .filter((path) => statSync(path).mtimeMs >= started.getTime());
  }

  const output = [
    '',
    `Interchange bench — ${started.toISOString()} — node ${process.version}, ${environment.cores} cores, ` +
      (pinned ? `generator on core ${GENERATOR_CORE}, servers on core ${SERVER_CORE}` : 'unpinned') +
      `, per scenario ${options.durationSeconds}s measured in ${options.rounds} rounds alternating with the other targets` +
      (options.upstream === 'openai-compatible' ? '' : `, upstream: ${options.upstream}`) +
      (options.routing ? ', routing: primary-first over three channels' : '') +
      (options.control ? ' — CONTROL (A/A) RUN: the azure-openai side is a second OpenAI emulator and channel' : ''),
    '',
    formatTables(results, options.connections),
    '',
    formatChecks(checks),
  ];
  const reference = formatReference(results, options.connections, options.upstreams[0]);
  if (reference !== '') output.push('', reference);
  for (const comparison of comparisonChecks) {
    output.push('', formatUpstreamComparison(results, options.connections, comparison.checks, comparison.upstream));
  }
  if (azureCore.length > 0) {
    output.push('', formatChecks(azureCore, 'Core targets against the Azure OpenAI emulator (ratios within this run):'));
    output.push(
      '',
      formatCoreComparison(
        coreComparisonChecks,
        options.control
          ? 'Core figures via the second openai-compatible side vs the first (CONTROL run: every share should read 100%):'
          : 'Core figures via azure-openai vs via openai-compatible (the issue\'s "within 10% of the plain OpenAI-compatible figures"):',
      ),
    );
  }
  if (options.routing) output.push('', formatRoutingComparison(results, options.connections, routingChecks, routedMetrics));
  const failures = results.filter((r) => !r.ok);
  if (failures.length > 0 || fatal !== null) {
    output.push('', 'Problems:');
    if (fatal !== null) output.push(`  fatal: ${fatal}`);
    for (const failure of failures) {
      output.push(`  ${failure.mode}, ${failure.connections} conn, ${resultLabel(failure)}: ${failure.error}`);
    }
  }

  const fileName = `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`;
  const jsonPath = join(RESULTS_DIRECTORY, fileName);
  writeFileSync(
    jsonPath,
    JSON.stringify(
      {
        startedAt: started.toISOString(),
        options,
        environment,
        fatal,
        results,
        checks,
        upstreamChecks,
        ...(azureCore.length > 0 ? { azureCoreChecks: azureCore, coreComparisonChecks, interleaved } : {}),
        ...(options.routing ? { routingChecks, routedMetrics } : {}),
        profiles,
      },
      null,
      2,
    ) + '\n',
  );
  output.push('', `Figures written to ${relative(ROOT, jsonPath)}`);
  if (options.cpuProf) {
    output.push(
      profiles.length > 0
        ? `CPU profile(s) of the gateway: ${profiles.map((path) => relative(ROOT, path)).join(', ')}`
        : 'No CPU profile was written (the gateway did not exit normally?)',
    );
  }
  process.stdout.write(output.join('\n') + '\n');
  cleanUp();
  return fatal !== null || failures.length > 0 ? 1 : 0;
}

let temporaryDirectory: string | null = null;

function cleanUp(): void {
  killAllNow();
  if (temporaryDirectory !== null) rmSync(temporaryDirectory, { recursive: true, force: true });
  temporaryDirectory = null;
}

process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping child processes`);
    cleanUp();
    process.exit(130);
  });
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`[bench] uncaught: ${error.stack ?? error.message}\n`);
  killAllNow();
  process.exit(1);
});

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`[bench] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    killAllNow();
    process.exitCode = 1;
  },
);
