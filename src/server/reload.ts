/**
 * Reloading a running gateway's configuration (`interchange serve` on SIGHUP). The file is loaded and validated as at
 * start-up, and the adapters of new and changed providers are built; only when all of that succeeded is the new
 * configuration put in place, otherwise the running one stays and the problems are logged. Unchanged providers keep
 * their adapters (connections, cached tokens). Requests in flight finish on the configuration they started with: the
 * adapters of removed and changed providers are closed once every request that may still use them has passed its
 * deadline (the old `limits.request_timeout`). `listen` is not re-bound: a change there waits for a restart. The
 * agreements made through the admin plane carry over, checked beside the file's: a file they no longer fit (a provider
 * they name is gone) is refused like any other problem.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, loadConfigFile, withAdminAgreements, type Environment, type Problem, type SecretSource } from '../config/load-config.ts';
import type { GatewayConfig } from '../config/types.ts';
import type { ProviderAdapter } from '../providers/adapter.ts';
import { createAdapter, type AdapterDependencies } from '../providers/registry.ts';
import { reconfigureGatewayContext, type GatewayContext } from './gateway-context.ts';

export interface ReloadOptions {
  /** Where `${NAME}` references are looked up; `process.env` by default. */
  readonly env?: Environment;
  /** Given to the adapters built for new and changed providers. */
  readonly adapterDependencies?: AdapterDependencies;
  /** Where `${secret:…}` references are read (a reload reads the stored values again); without it they are problems. */
  readonly secrets?: SecretSource;
}

/** What changed between two configurations, by name. */
export interface ConfigChanges {
  readonly providers: NameChanges;
  readonly models: NameChanges;
  /** Other top-level settings that changed, as the file names them (`limits`, `routing`, …). */
  readonly settings: readonly string[];
}

export interface NameChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export type ReloadResult =
  | { readonly outcome: 'reloaded'; readonly changes: ConfigChanges }
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'refused'; readonly problems: readonly Problem[] };

/** Once the old request deadline has passed, a little more for the last attempt to hand back its connection. */
const retireMarginMs = 1000;

/** Reloads for a gateway whose adapters were built from its configuration (as `interchange serve` starts it). */
export class ConfigReloader {
  readonly #context: GatewayContext;
  readonly #file: string;
  readonly #options: ReloadOptions;
  /** Adapters in use that a reload built (the gateway closes the ones it started with). */
  readonly #built = new Set<ProviderAdapter>();
  /** Adapters no longer in use, each closed when its timer fires or when the reloader closes. */
  readonly #retired = new Map<ProviderAdapter, NodeJS.Timeout>();
  /** The reload that has been asked for and not started yet; later requests join it. */
  #waiting: Promise<ReloadResult> | undefined;
  #last: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(context: GatewayContext, file: string, options: ReloadOptions = {}) {
    this.#context = context;
    this.#file = file;
    this.#options = options;
  }

  /** Reloads the file. Reloads run one at a time; any number asked for while one runs make one more after it. */
  reload(): Promise<ReloadResult> {
    this.#waiting ??= this.#last.then(() => {
      this.#waiting = undefined;
      return this.#reloadOnce();
    });
    const run = this.#waiting;
    this.#last = run.catch(() => undefined);
    return run;
  }

  /** Closes the adapters reloads built and retired, once the reload under way (if any) is over. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#last;
    for (const timer of this.#retired.values()) clearTimeout(timer);
    const adapters = [...this.#retired.keys(), ...this.#built];
    this.#retired.clear();
    this.#built.clear();
    await Promise.allSettled(adapters.map((adapter) => adapter.close()));
  }

  async #reloadOnce(): Promise<ReloadResult> {
    try {
      // Never while the admin plane changes an agreement: each builds on the configuration the other put in place.
      const agreements = this.#context.agreements;
      return await (agreements === undefined ? this.#attempt() : agreements.exclusive(() => this.#attempt()));
    } catch (error) {
      // A reload never ends the process: whatever went wrong, the running configuration stays.
      return this.#refuse([{ path: this.#file, message: withoutQuotedText((error as Error).message) }], 'it failed');
    }
  }

  #refuse(problems: Problem[], message: string): ReloadResult {
    this.#context.logger.error(
      { file: this.#file, problems: problems.map((problem) => `${problem.path}: ${problem.message}`) },
      `configuration not reloaded: ${message}; the running configuration stays`,
    );
    return { outcome: 'refused', problems };
  }

  async #attempt(): Promise<ReloadResult> {
    const logger = this.#context.logger;
    const file = this.#file;
    const refuse = (problems: Problem[], message: string) => this.#refuse(problems, message);
    if (this.#closed) return refuse([], 'the gateway is shutting down');

    let config: GatewayConfig;
    try {
      // The admin plane's agreements stay, checked beside the file's.
      config = withAdminAgreements(await loadConfigFile(file, this.#options.env, this.#options.secrets), this.#context.agreements?.stored ?? []);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return refuse([...error.problems], `${file} has ${error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`}`);
    }
    const current = this.#context.config;
    const changes = compareConfigs(current, config);
    if (changes.providers.added.length + changes.providers.removed.length + changes.providers.changed.length + changes.models.added.length + changes.models.removed.length + changes.models.changed.length + changes.settings.length === 0) {
      logger.info({ file }, 'configuration reloaded: no changes');
      return { outcome: 'unchanged' };
    }

    const running = this.#context.runtime.adapters;
    const fresh = new Map<string, ProviderAdapter>();
    for (const name of [...changes.providers.added, ...changes.providers.changed]) {
      try {
        fresh.set(name, createAdapter(config.providers.get(name)!, this.#options.adapterDependencies));
      } catch (error) {
        await Promise.allSettled([...fresh.values()].map((adapter) => adapter.close()));
        const problem = { path: `providers.${name}`, message: `could not be set up: ${withoutQuotedText((error as Error).message)}` };
        return refuse([problem], `provider "${name}" could not be set up`);
      }
    }
    const adapters = new Map<string, ProviderAdapter>();
    for (const name of config.providers.keys()) adapters.set(name, fresh.get(name) ?? running.get(name)!);

    const level = logger.level;
    try {
      // Before the pipeline is composed: the request logger takes its level from this one.
      logger.level = config.logging.level;
      reconfigureGatewayContext(this.#context, config, adapters);
    } catch (error) {
      logger.level = level;
      await Promise.allSettled([...fresh.values()].map((adapter) => adapter.close()));
      return refuse([{ path: file, message: withoutQuotedText((error as Error).message) }], 'it could not be put in place');
    }
    for (const adapter of fresh.values()) this.#built.add(adapter);
    for (const name of [...changes.providers.removed, ...changes.providers.changed]) {
      const adapter = running.get(name);
      if (adapter !== undefined) this.#retire(adapter, current.limits.requestTimeoutMs + retireMarginMs);
    }

    logger.info({ file, ...describeChanges(changes) }, 'configuration reloaded');
    if (changes.settings.includes('listen')) {
      logger.warn({ file }, 'listen changed: the gateway keeps its address until it restarts');
    }
    return { outcome: 'reloaded', changes };
  }

  #retire(adapter: ProviderAdapter, afterMs: number): void {
    this.#built.delete(adapter);
    const timer = setTimeout(() => {
      this.#retired.delete(adapter);
      void adapter.close().catch(() => undefined);
    }, afterMs);
    timer.unref();
    this.#retired.set(adapter, timer);
  }
}

/** Reloads the configuration on every SIGHUP for as long as the process runs; the reloader logs each outcome. */
export function reloadOnHangup(reloader: ConfigReloader): void {
  process.on('SIGHUP', () => {
    void reloader.reload();
  });
}

/**
 * An error message without its quoted fragments: some (JSON.parse's) quote the text they failed on, which may be
 * part of a key file.
 */
function withoutQuotedText(message: string): string {
  return message.replace(/"[^"\n]*"/g, '"…"');
}

export function compareConfigs(before: GatewayConfig, after: GatewayConfig): ConfigChanges {
  const settings = (
    [
      ['listen', before.listen, after.listen],
      ['limits', before.limits, after.limits],
      ['logging', before.logging, after.logging],
      ['routing', before.routing, after.routing],
      ['metering', before.metering, after.metering],
      ['responses', before.responses, after.responses],
      ['agreements', before.agreements, after.agreements],
      ['decline_rules', before.declineRules, after.declineRules],
    ] as const
  )
    .filter(([, old, now]) => !isDeepStrictEqual(old, now))
    .map(([name]) => name);
  return { providers: compareNamed(before.providers, after.providers), models: compareNamed(before.models, after.models), settings };
}

function compareNamed<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): NameChanges {
  return {
    added: [...after.keys()].filter((name) => !before.has(name)),
    removed: [...before.keys()].filter((name) => !after.has(name)),
    changed: [...after.keys()].filter((name) => before.has(name) && !isDeepStrictEqual(before.get(name), after.get(name))),
  };
}

/** The changes for the log line: only what changed, by name (never a value). */
function describeChanges(changes: ConfigChanges): Record<string, unknown> {
  const named = (group: NameChanges) =>
    Object.fromEntries(Object.entries(group).filter(([, names]) => (names as readonly string[]).length > 0));
  const described: Record<string, unknown> = {};
  const providers = named(changes.providers);
  const models = named(changes.models);
  if (Object.keys(providers).length > 0) described.providers = providers;
  if (Object.keys(models).length > 0) described.models = models;
  if (changes.settings.length > 0) described.settings = changes.settings;
  return described;
}
