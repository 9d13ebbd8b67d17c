/**
 * `interchange check-config FILE`: validate a configuration and describe it. On success a short summary (listen
 * address, limits, providers with kind and base URL, models with their channels in order) and any warnings; on
 * failure every problem, one `path: message` per line. Secrets are never printed: an API key shows as "set", extra
 * headers by name only.
 *
 * Warnings never fail the check. They flag what is valid but probably not meant: no models at all, a provider no
 * model uses, a duration that looks like seconds written as milliseconds, a primary channel that route "ordered"
 * does not try first, the same channel twice, a per-attempt timeout the request deadline always cuts short.
 */

import type { GatewayConfig } from './types.ts';
import { ConfigError, loadConfigFile, type Environment } from './load-config.ts';
import { formatPath, type Problem } from './problem.ts';
import { formatBytes, formatDuration } from './values.ts';

export interface CheckConfigResult {
  readonly ok: boolean;
  /** What the command prints, ending with a newline. */
  readonly output: string;
}

export async function checkConfigFile(path: string, env?: Environment): Promise<CheckConfigResult> {
  let config: GatewayConfig;
  try {
    config = await loadConfigFile(path, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
    return { ok: false, output: `${path} is not valid (${count}):\n${error.message}\n` };
  }
  return { ok: true, output: `${path} is valid.\n${describeConfig(config)}` };
}

/** The address as a client would write it: `127.0.0.1:8080`, `[::1]:8080`. */
export function formatListenAddress(listen: GatewayConfig['listen']): string {
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}

function table(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]))).join('  ').trimEnd());
}

/** The summary printed for a valid configuration (without secrets), warnings included. */
export function describeConfig(config: GatewayConfig): string {
  const { limits, logging } = config;
  const lines = [
    `listen   ${formatListenAddress(config.listen)}`,
    `limits   max body ${formatBytes(limits.maxBodyBytes)}, request timeout ${formatDuration(limits.requestTimeoutMs)}, stream idle timeout ${formatDuration(limits.streamIdleTimeoutMs)}`,
    `logging  level ${logging.level}, request log ${logging.requests ? 'on' : 'off'}`,
    '',
    `providers (${config.providers.size})`,
  ];
  const providerRows = [...config.providers.values()].map((provider) => {
    const azure = provider.azure;
    const details = [
      ...(azure === undefined ? [] : [azure.api === 'v1' ? 'API v1' : `API deployments, api-version ${azure.apiVersion}`]),
      azure?.entra !== undefined ? `Entra ID (${azure.entra.credential})` : provider.apiKey === undefined ? 'no API key' : 'API key set',
      ...(provider.region === undefined ? [] : [`region ${provider.region}`]),
      `${provider.connections} connections`,
      `timeout ${formatDuration(provider.timeoutMs)}`,
      ...(Object.keys(provider.headers).length === 0 ? [] : [`headers: ${Object.keys(provider.headers).join(', ')}`]),
    ];
    return [provider.name, provider.kind, provider.baseUrl, `(${details.join('; ')})`];
  });
  lines.push(...table(providerRows, '  '));
  lines.push(`models (${config.models.size})`);
  for (const model of config.models.values()) {
    lines.push(`  ${model.name}  (${model.type}, route ${model.route}, owned by ${model.ownedBy})`);
    const channelRows = model.channels.map((channel, index) => [
      `${index + 1}.`,
      channel.provider,
      channel.model,
      channel.primary ? '(primary)' : '',
    ]);
    lines.push(...table(channelRows, '    '));
  }
  const warnings = configWarnings(config);
  if (warnings.length > 0) {
    lines.push('', `warnings (${warnings.length})`, ...warnings.map((warning) => `  ${warning.path}: ${warning.message}`));
  }
  return `${lines.join('\n')}\n`;
}

/** Valid but probably unintended settings; `check-config` prints them, nothing else acts on them. */
export function configWarnings(config: GatewayConfig): Problem[] {
  const warnings: Problem[] = [];
  const warn = (path: readonly (string | number)[], message: string) => warnings.push({ path: formatPath(path), message });
  const looksLikeSeconds = (path: readonly string[], milliseconds: number) => {
    if (milliseconds < 1000) {
      warn(path, `is only ${milliseconds}ms (a plain number is milliseconds; write "${milliseconds}s" for seconds)`);
    }
  };

  if (config.models.size === 0) warn(['models'], 'no models are configured; every request will be answered "model not found"');
  const used = new Set<string>();
  for (const model of config.models.values()) for (const channel of model.channels) used.add(channel.provider);
  for (const provider of config.providers.values()) {
    if (!used.has(provider.name)) warn(['providers', provider.name], 'not used by any model');
  }

  looksLikeSeconds(['limits', 'request_timeout'], config.limits.requestTimeoutMs);
  looksLikeSeconds(['limits', 'stream_idle_timeout'], config.limits.streamIdleTimeoutMs);
  for (const provider of config.providers.values()) {
    looksLikeSeconds(['providers', provider.name, 'timeout'], provider.timeoutMs);
    if (provider.timeoutMs >= config.limits.requestTimeoutMs) {
      warn(
        ['providers', provider.name, 'timeout'],
        `${formatDuration(provider.timeoutMs)} is not shorter than limits.request_timeout (${formatDuration(config.limits.requestTimeoutMs)}), so a slow attempt uses up the whole request and no other channel is tried`,
      );
    }
  }

  for (const model of config.models.values()) {
    const seen = new Map<string, number>();
    model.channels.forEach((channel, index) => {
      const path = ['models', model.name, 'channels', index];
      if (channel.primary && index > 0 && model.route === 'ordered') {
        warn([...path, 'primary'], `route "ordered" tries channels in the order listed, so this primary channel is tried only after channels[0]; list it first`);
      }
      const identity = `${channel.provider}\n${channel.model}`;
      const earlier = seen.get(identity);
      if (earlier === undefined) seen.set(identity, index);
      else warn(path, `same provider and model as channels[${earlier}]; a failure there is retried here`);
    });
  }
  return warnings;
}
