// `npm run bench`: starts the emulators, the floor proxy and the gateway (with production logging, its output in a
// file), drives load at each from a separate pinned process in alternating rounds, prints the results and the
// comparisons that judge them (ratios within this one run), and writes everything to bench/results/. See
// docs/benchmark.md.

import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { request } from 'undici';
import type { LoadResult } from './load-generator.ts';
import { GeneratorHandle } from './lib/generator-handle.ts';
import { startGoogleCredentialStub } from './lib/google-credentials.ts';
import type { GoogleCredentialStub } from './lib/google-credentials.ts';
import { gatewayConfig } from './lib/gateway-config.ts';
import { parseOptions, USAGE } from './lib/options.ts';
import type { BenchOptions, Upstream } from './lib/options.ts';
import { readAll, readCpuSeconds, readRssBytes, sampleRssPeaks } from './lib/process-metrics.ts';
import { freePort, hasTaskset, killAllNow, liveProcesses, logTail, pinProcess, startNodeProcess, stopProcess, waitForHttp } from './lib/processes.ts';
import type { ManagedProcess } from './lib/processes.ts';
import { compare, comparisonsFor, formatComparison, formatResults, labelOf } from './lib/report.ts';
import type { Mode, ScenarioResult, TargetKey } from './lib/report.ts';
import {
  AZURE_API_KEY,
  BENCH_ADMIN_TOKEN,
  AZURE_DIRECT_REQUEST,
  AZURE_GATEWAY_REQUEST,
  MODEL,
  OPENAI_REQUEST,
  openAIRequest,
  responsesRequest,
  ROUTED_GATEWAY_REQUEST,
  ROUTED_PROVIDERS,
  VERTEX_DIRECT_REQUEST,
  VERTEX_GATEWAY_REQUEST,
  VERTEX_LOCATION,
  VERTEX_MODEL,
  VERTEX_PROJECT,
  VERTEX_TOKEN,
} from './lib/request-body.ts';
import type { TargetRequest } from './lib/request-body.ts';
import { checkResponseShape, checkRouteHeader, RequestLineCounter, roundOrder } from './lib/targets.ts';

/** The V8 flag the gateway's launchers set (bin/interchange.js, `npm start`): RSS returns near idle after load. */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=16'];
const BENCH_DIRECTORY = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIRECTORY, '..');
const RESULTS_DIRECTORY = join(BENCH_DIRECTORY, 'results');
const CLI = 'bin/interchange.js';
const GENERATOR_CORE = 0;
const SERVER_CORE = 1;
const REQUEST_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 30_000;
/** Warm-up before every segment after a target's first (its connections are already open and warm). */
const ROUND_WARMUP_MS = 200;
/** Latencies kept per scenario (bounds the generator's memory; a capped window is reported). */
const MAX_REQUESTS = 1_000_000;

type Target = TargetKey & {
  request: TargetRequest;
  process: ManagedProcess;
  /** The server process whose RSS and CPU are the target's own. */
  processName: string;
  origin: string;
  /** Why this target cannot be measured (failed start or smoke test), or null. */
  broken: string | null;
};

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

type Running = { process: ManagedProcess; processName: string; origin: string };

/** Starts a server process (pinned to the server core) and waits until `readyPath` answers (any status unless `accept`). */
async function startServer(
  nodeArguments: (port: number) => string[],
  readyPath: string,
  context: { name: string; serverCore: number | null; logPath: string; env?: NodeJS.ProcessEnv | undefined; accept?: (status: number) => boolean },
): Promise<Running> {
  const port = await freePort();
  const started = startNodeProcess({ name: context.name, nodeArguments: nodeArguments(port), core: context.serverCore, cwd: ROOT, logPath: context.logPath, ...(context.env === undefined ? {} : { env: context.env }) });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}${readyPath}`, context.accept ?? (() => true), started, READY_TIMEOUT_MS);
  log(`${context.name} ready on ${origin} (pid ${started.pid})`);
  return { process: started, processName: context.name, origin };
}

/** Per upstream: its emulator, and what a direct target and a gateway target send. */
const EMULATORS: Record<Upstream, { name: string; start: (port: number) => string[]; readyPath: string; direct: TargetRequest; gateway: TargetRequest }> = {
  'openai-compatible': {
    name: 'emulator',
    start: (port) => [CLI, 'emulate', 'openai', '--host', '127.0.0.1', '--port', String(port), '--quiet'],
    readyPath: '/v1/models',
    direct: OPENAI_REQUEST,
    gateway: OPENAI_REQUEST,
  },
  'azure-openai': {
    name: 'azure-emulator',
    start: (port) => [CLI, 'emulate', 'azure-openai', '--host', '127.0.0.1', '--port', String(port), '--api-key', AZURE_API_KEY, '--quiet'],
    readyPath: '/openai/v1/models',
    direct: AZURE_DIRECT_REQUEST,
    gateway: AZURE_GATEWAY_REQUEST,
  },
  vertex: {
    name: 'vertex-emulator',
    // The CLI's Vertex emulator verifies signed JWTs; this one accepts the token the loopback credential stub hands out.
    start: (port) => [join(BENCH_DIRECTORY, 'vertex-emulator-process.ts'), '--port', String(port), '--project', VERTEX_PROJECT, '--token', VERTEX_TOKEN, '--quiet', '--exit-with-stdin'],
    readyPath: `/v1/projects/${VERTEX_PROJECT}/locations/${VERTEX_LOCATION}/publishers/google/models/${VERTEX_MODEL}`,
    direct: VERTEX_DIRECT_REQUEST,
    gateway: VERTEX_GATEWAY_REQUEST,
  },
};

/** One request of each kind, checked for shape (and for gateway-routed, the route header) before any load. */
async function smokeTest(target: Target, streaming: boolean): Promise<string | null> {
  try {
    const response = await request(`${target.origin}${streaming ? (target.request.streamingPath ?? target.request.path) : target.request.path}`, {
      method: 'POST',
      headers: target.request.headers,
      body: streaming ? target.request.streamingBody : target.request.nonStreamingBody,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
    const shape = checkResponseShape(text, streaming, target.request.format ?? 'openai');
    if (shape !== null || target.route === undefined) return shape;
    return checkRouteHeader(response.headers['x-interchange-route'], `${ROUTED_PROVIDERS[0]}/${MODEL}`);
  } catch (error) {
    return `request failed: ${errorText(error)}`;
  }
}

type GroupState = { target: Target; handle: GeneratorHandle | null; error: string | null; load: LoadResult | null; cpuSeconds: Record<string, number | null>; windowSeconds: number };

/**
 * One (mode, connections) group: a load-generator process per target, then `rounds` rounds in which each target gets
 * one measured segment in turn, the order rotated every round, so the machine's noise (it comes and goes over
 * seconds on a shared VM) falls on all targets alike.
 */
async function runGroup(options: BenchOptions, targets: Target[], mode: Mode, connections: number, serverPids: Map<string, number>): Promise<ScenarioResult[]> {
  const streaming = mode === 'streaming';
  const warmupMs = Math.round(options.warmupSeconds * 1000);
  const segmentMs = Math.max(50, Math.round((options.durationSeconds * 1000) / options.rounds));
  const roundWarmupMs = Math.min(ROUND_WARMUP_MS, warmupMs);
  const lifetimeMs = (warmupMs + options.rounds * (roundWarmupMs + segmentMs + REQUEST_TIMEOUT_MS)) * targets.length + 60_000;
  const states: GroupState[] = targets.map((target) => ({ target, handle: null, error: target.broken, load: null, cpuSeconds: {}, windowSeconds: 0 }));
  const idle = readAll(serverPids, readRssBytes);
  const sampler = sampleRssPeaks(serverPids, 100);
  try {
    for (const state of states) {
      if (state.error !== null) continue;
      const { request, origin } = state.target;
      const path = streaming ? (request.streamingPath ?? request.path) : request.path;
      const body = streaming ? request.streamingBody : request.nonStreamingBody;
      const generator = { origin, path, body, headers: request.headers, streaming, format: request.format ?? 'openai', connections, maxRequests: MAX_REQUESTS, requestTimeoutMs: REQUEST_TIMEOUT_MS, lifetimeMs };
      try {
        state.handle = new GeneratorHandle(BENCH_DIRECTORY, ROOT, generator, options.pin ? GENERATOR_CORE : null);
        await state.handle.ready();
      } catch (error) {
        state.error = `could not start the load generator: ${errorText(error)}`;
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      const shift = round % states.length;
      for (const state of [...states.slice(shift), ...states.slice(0, shift)]) {
        const handle = state.handle;
        if (state.error !== null || handle === null) continue;
        if (state.target.process.hasExited()) {
          state.error = state.target.broken = `${state.target.process.name} has exited${logTail(state.target.process, 600)}`;
          continue;
        }
        // Server CPU over exactly the measured window, read when the generator reports its edges.
        let cpuStart: Record<string, number | null> = {};
        let startedAt = 0;
        handle.onEdge = (edge) => {
          const cpu = readAll(serverPids, readCpuSeconds);
          if (edge === 'measure-start') {
            [cpuStart, startedAt] = [cpu, performance.now()];
            return;
          }
          state.windowSeconds += (performance.now() - startedAt) / 1000;
          for (const [name, after] of Object.entries(cpu)) {
            const before = cpuStart[name];
            const sum = state.cpuSeconds[name] === undefined ? 0 : state.cpuSeconds[name];
            state.cpuSeconds[name] = before == null || after == null || sum === null ? null : sum + after - before;
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
      state.load = await state.handle.finish().catch((error: unknown) => {
        state.error = errorText(error);
        return null;
      });
    }
  } finally {
    for (const state of states) if (state.handle !== null) await state.handle.kill();
  }
  const peaks = sampler.stop();
  // "After": once the load has ended and settled (only when floor or gateway took part: the judged ones).
  let after: Record<string, number | null> = {};
  if (options.settleSeconds > 0 && states.some((state) => state.target.target !== 'direct' && state.error === null)) {
    await sleep(options.settleSeconds * 1000);
    after = readAll(serverPids, readRssBytes);
  }
  const rssAll: ScenarioResult['rssAll'] = {};
  for (const name of serverPids.keys()) rssAll[name] = { idleBefore: idle[name] ?? null, peak: peaks.get(name) ?? null, after: after[name] ?? null };
  return states.map(({ target, error: failure, load, cpuSeconds, windowSeconds }) => {
    const serverCpu: Record<string, number | null> = {};
    for (const name of serverPids.keys()) serverCpu[name] = cpuSeconds[name] == null || windowSeconds <= 0 ? null : cpuSeconds[name] / windowSeconds;
    let error = failure ?? (load === null ? 'no result' : null);
    if (error === null && load !== null && load.recorded === 0) {
      error = `no successful response in the measured windows (${load.errors} errors, ${load.non2xx} non-2xx; first: ${load.firstError ?? 'none'})`;
    }
    if (error === null && target.process.hasExited()) error = target.broken = `${target.process.name} exited during the scenario${logTail(target.process, 600)}`;
    const own = rssAll[target.processName];
    return {
      target: target.target,
      upstream: target.upstream,
      ...(target.route === undefined ? {} : { route: target.route }),
      ...(target.keys === undefined ? {} : { keys: target.keys }),
      ...(target.ledger === undefined ? {} : { ledger: target.ledger }),
      ...(target.responses === undefined ? {} : { responses: target.responses }),
      mode,
      connections,
      ok: error === null,
      error,
      load,
      rss: own === undefined ? null : { process: target.processName, ...own, after: target.target === 'direct' ? null : own.after },
      rssAll,
      serverCpu,
    };
  });
}

/** Request log lines in the gateway's log file (a sanity check that the production logging really wrote them). */
async function countRequestLines(path: string): Promise<number | null> {
  const counter = new RequestLineCounter();
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) counter.push(chunk as string);
  } catch {
    return null;
  }
  return counter.end();
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
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const cores = availableParallelism(); // before pinning narrows what this process sees
  mkdirSync(RESULTS_DIRECTORY, { recursive: true });
  const temporary = (temporaryDirectory = mkdtempSync(join(tmpdir(), 'interchange-bench-')));
  if (options.pin) {
    if (cores < 2) log('warning: fewer than 2 cores available; running unpinned');
    else if (!hasTaskset()) log('warning: taskset not found; running unpinned (figures will be noisier)');
    options.pin = cores >= 2 && pinProcess(process.pid, GENERATOR_CORE);
  }
  log(options.pin ? `pinned: harness and load generators on core ${GENERATOR_CORE}; emulators, floor proxies and gateway on core ${SERVER_CORE}` : 'unpinned');
  const server = (name: string, logPath: string, env?: NodeJS.ProcessEnv) => ({ name, serverCore: options.pin ? SERVER_CORE : null, logPath, env });

  const targets: Target[] = [];
  const serverPids = new Map<string, number>();
  const results: ScenarioResult[] = [];
  let gatewayProcess: ManagedProcess | null = null;
  let googleCredentials: GoogleCredentialStub | null = null;
  let fatal: string | null = null;
  /** The gateway's stdout and stderr: kept, as a deployment keeps its logs. */
  const gatewayLogPath = join(RESULTS_DIRECTORY, `gateway-${stamp}.log`);
  const add = (key: TargetKey, running: Running, request: TargetRequest) => {
    serverPids.set(running.process.name, running.process.pid);
    if (options.only.includes(key.target)) targets.push({ ...key, request, ...running, broken: null });
  };

  try {
    const emulators: Partial<Record<Upstream, Running>> = {};
    for (const upstream of options.upstreams) {
      const emulator = EMULATORS[upstream];
      emulators[upstream] = await startServer(emulator.start, emulator.readyPath, server(emulator.name, join(temporary, `${emulator.name}.log`)));
      add({ target: 'direct', upstream }, emulators[upstream], emulator.direct);
    }
    // Floor proxies in front of the OpenAI and Azure emulators (a pass-through cannot model the Gemini translation).
    for (const upstream of options.only.includes('floor') ? options.upstreams.filter((candidate) => candidate !== 'vertex') : []) {
      const name = labelOf({ target: 'floor', upstream });
      const header = upstream === 'azure-openai' ? ['--upstream-header', `api-key:${AZURE_API_KEY}`] : [];
      const floor = await startServer(
        (port) => [join(BENCH_DIRECTORY, 'floor-proxy.ts'), '--port', String(port), '--upstream', emulators[upstream]!.origin, ...header, '--exit-with-stdin'],
        '/',
        server(name, join(temporary, `${name}.log`)),
      );
      add({ target: 'floor', upstream }, floor, EMULATORS[upstream].direct);
    }
    if (options.only.includes('gateway')) {
      const configPath = join(temporary, 'gateway.yaml');
      const port = (upstream: Upstream) => (emulators[upstream] === undefined ? null : Number(new URL(emulators[upstream].origin).port));
      if (options.upstreams.includes('vertex')) googleCredentials = await startGoogleCredentialStub({ directory: temporary, accessToken: VERTEX_TOKEN, project: VERTEX_PROJECT });
      const profiling = ['--cpu-prof', '--cpu-prof-dir', RESULTS_DIRECTORY, '--import', pathToFileURL(join(BENCH_DIRECTORY, 'lib', 'exit-on-signal.ts')).href];
      const gateway = await startServer(
        (gatewayPort) => {
          writeFileSync(
            configPath,
            gatewayConfig(
              { gateway: gatewayPort, openai: port('openai-compatible'), azure: port('azure-openai'), vertex: port('vertex') },
              options.routing,
              false,
              options.ledger ? 'ledger-off' : { sqlite: join(temporary, 'gateway.db') },
            ),
          );
          return [...GATEWAY_NODE_FLAGS, ...(options.cpuProf ? profiling : []), CLI, 'serve', '--config', configPath];
        },
        '/readyz',
        { ...server('gateway', gatewayLogPath, googleCredentials === null ? undefined : { ...process.env, ...googleCredentials.env }), accept: (status) => status === 200 },
      );
      gatewayProcess = gateway.process;
      for (const upstream of options.upstreams) add({ target: 'gateway', upstream }, gateway, EMULATORS[upstream].gateway);
      if (options.routing) add({ target: 'gateway', upstream: 'openai-compatible', route: 'primary-first' }, gateway, ROUTED_GATEWAY_REQUEST);
      // The same gateway process and channel, sent the Responses API's request (`store: false`: the chat request stores nothing either).
      if (options.responses) add({ target: 'gateway', upstream: 'openai-compatible', responses: true }, gateway, responsesRequest(MODEL));
      if (options.keys) {
        // The same gateway with keys checked and rate limits on, in its own process so both are measured alike.
        const keysConfigPath = join(temporary, 'gateway-keys.yaml');
        const keyed = await startServer(
          (gatewayPort) => {
            writeFileSync(keysConfigPath, gatewayConfig({ gateway: gatewayPort, openai: port('openai-compatible'), azure: null, vertex: null }, false, true, { sqlite: join(temporary, 'gateway-keys.db') }));
            return [...GATEWAY_NODE_FLAGS, ...(options.cpuProf ? profiling : []), CLI, 'serve', '--config', keysConfigPath];
          },
          '/readyz',
          { ...server('gateway-keys', join(RESULTS_DIRECTORY, `gateway-keys-${stamp}.log`)), accept: (status) => status === 200 },
        );
        const key = await createBenchKey(keyed.origin);
        add({ target: 'gateway', upstream: 'openai-compatible', keys: true }, keyed, openAIRequest(MODEL, { authorization: `Bearer ${key}` }));
      }
      if (options.ledger) {
        // The same gateway metering every request into a SQLite ledger (a fresh file), in its own process.
        const ledgerConfigPath = join(temporary, 'gateway-ledger.yaml');
        const metered = await startServer(
          (gatewayPort) => {
            writeFileSync(ledgerConfigPath, gatewayConfig({ gateway: gatewayPort, openai: port('openai-compatible'), azure: null, vertex: null }, false, false, { sqlite: join(temporary, 'ledger.db'), priced: true }));
            return [...GATEWAY_NODE_FLAGS, ...(options.cpuProf ? profiling : []), CLI, 'serve', '--config', ledgerConfigPath];
          },
          '/readyz',
          { ...server('gateway-ledger', join(RESULTS_DIRECTORY, `gateway-ledger-${stamp}.log`)), accept: (status) => status === 200 },
        );
        add({ target: 'gateway', upstream: 'openai-compatible', ledger: true }, metered, EMULATORS['openai-compatible'].gateway);
      }
    }

    const ordered = roundOrder(targets);
    const modes: Mode[] = [...(options.nonStreaming ? ['non-streaming' as const] : []), ...(options.streaming ? ['streaming' as const] : [])];
    for (const target of ordered) {
      for (const mode of modes) {
        const problem = await smokeTest(target, mode === 'streaming');
        if (problem === null) continue;
        target.broken = `smoke test (${mode}) failed: ${problem}`;
        log(`${labelOf(target)}: ${target.broken}`);
        break;
      }
    }
    let index = 0;
    for (const mode of modes) {
      for (const connections of options.connections) {
        log(
          `[${++index}/${modes.length * options.connections.length}] ${mode}, ${connections} conn: ${ordered.map(labelOf).join(', ')} in ` +
            `${options.rounds} alternating rounds of ${(options.durationSeconds / options.rounds).toFixed(2)} s`,
        );
        const group = await runGroup(options, ordered, mode, connections, serverPids);
        for (const result of group) if (!result.ok) log(`  ${labelOf(result)} failed: ${result.error}`);
        results.push(...group);
      }
    }
  } catch (error) {
    fatal = errorText(error);
    log(`fatal: ${fatal}`);
  } finally {
    // With --cpu-prof the gateway must exit normally for Node to write the profile: SIGINT and a longer grace.
    await Promise.all(liveProcesses().map((managed) => (managed.name.startsWith('gateway') && options.cpuProf ? stopProcess(managed, 'SIGINT', 10_000) : stopProcess(managed))));
  }
  if (googleCredentials !== null) {
    log(`Google token exchanges the gateway made at the bench's stub: ${googleCredentials.exchanges()} (expected 1)`);
    await googleCredentials.close();
  }

  const comparisons = comparisonsFor(options.upstreams, options.routing, options.keys, options.ledger, options.responses);
  const checks = comparisons.flatMap((comparison) => compare(results, comparison, options.connections));
  const profiles = options.cpuProf
    ? readdirSync(RESULTS_DIRECTORY)
        .filter((name) => name.endsWith('.cpuprofile') && statSync(join(RESULTS_DIRECTORY, name)).mtimeMs >= started.getTime())
        .map((name) => relative(ROOT, join(RESULTS_DIRECTORY, name)))
    : [];
  // Only the main gateway writes that log (gateway-keys has its own).
  const measured = results.filter((result) => result.target === 'gateway' && result.keys === undefined && result.ledger === undefined).reduce((sum, result) => sum + (result.load?.recorded ?? 0), 0);
  const gatewayLog = gatewayProcess === null ? null : { path: relative(ROOT, gatewayLogPath), requestLines: await countRequestLines(gatewayLogPath) };
  const failures = results.filter((result) => !result.ok);
  const output = [
    '',
    `Interchange bench — ${started.toISOString()} — node ${process.version}, ${cores} cores, ` +
      (options.pin ? `generators on core ${GENERATOR_CORE}, servers on core ${SERVER_CORE}` : 'unpinned') +
      `, ${options.durationSeconds} s per scenario in ${options.rounds} alternating rounds, upstream ${options.upstream}` +
      `${options.routing ? ', routing' : ''}${options.responses ? ', responses' : ''}${options.keys ? ', keys' : ''}${options.ledger ? ', ledger (gateway with metering.ledger off)' : ''}, gateway with request logs on`,
    '',
    formatResults(results, options.connections),
    ...comparisons.flatMap((comparison) => ['', formatComparison(comparison, checks)]),
  ];
  if (failures.length > 0 || fatal !== null) {
    output.push('', 'Problems:', ...(fatal === null ? [] : [`  fatal: ${fatal}`]));
    for (const failure of failures) output.push(`  ${failure.mode}, ${failure.connections} conn, ${labelOf(failure)}: ${failure.error}`);
  }
  const jsonPath = join(RESULTS_DIRECTORY, `bench-${stamp}.json`);
  const git = (...command: string[]) => spawnSync('git', command, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? null;
  const environment = { node: process.version, platform: `${process.platform} ${process.arch}`, cpuModel: cpus()[0]?.model ?? null, cores, pinned: options.pin, commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain') !== '' };
  writeFileSync(jsonPath, JSON.stringify({ startedAt: started.toISOString(), options, environment, fatal, results, checks, gatewayLog, profiles }, null, 2) + '\n');
  output.push('', `Figures written to ${relative(ROOT, jsonPath)}`);
  if (gatewayLog !== null) {
    const short = gatewayLog.requestLines !== null && gatewayLog.requestLines < measured;
    output.push(
      `Gateway log: ${gatewayLog.path}, ${gatewayLog.requestLines ?? 'unreadable:'} request lines (${measured} gateway responses measured in the windows` +
        `${short ? '; FEWER LINES THAN RESPONSES: request logging did not keep up or is off' : ''})`,
    );
  }
  if (options.cpuProf) output.push(profiles.length > 0 ? `CPU profile(s) of the gateway: ${profiles.join(', ')}` : 'No CPU profile was written (the gateway did not exit normally?)');
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

/** A tenant and a key with limits far above any rate here, so every request is checked against them and none refused. */
async function createBenchKey(origin: string): Promise<string> {
  const call = async (path: string, body: unknown) => {
    const response = await request(`${origin}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.body.json()) as { key?: string };
    if (response.statusCode !== 201) throw new Error(`${path}: ${response.statusCode} ${JSON.stringify(json)}`);
    return json;
  };
  await call('/admin/tenants', { id: 'bench', name: 'bench', rpm: 1_000_000_000, tpm: 1_000_000_000 });
  return (await call('/admin/keys', { tenant: 'bench', name: 'bench', rpm: 1_000_000_000, tpm: 1_000_000_000 })).key!;
}
