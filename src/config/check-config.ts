/**
 * `interchange check-config FILE`: validate a configuration and describe it. On success a short summary (listen
 * address, limits, routing, providers with kind and base URL, models with their route and their channels in order,
 * metering, agreements and decline rules) and any warnings; on failure every problem, one `path: message` per line. Secrets
 * are never printed: an API key shows as "set", extra headers by name only.
 *
 * Warnings never fail the check. They flag what is valid but probably not meant: no models at all, a provider no
 * model uses, a duration that looks like seconds written as milliseconds, a primary channel that route "ordered"
 * does not try first, the same channel twice, a per-attempt timeout the request deadline always cuts short, a
 * licence, revenue share or decline rule naming a model its channels do not serve, a commitment with a provider no
 * model uses.
 */

import type {
  AgreementConfig,
  ChannelConfig,
  ChannelSelector,
  CommitmentAgreement,
  DeclineRuleConfig,
  GatewayConfig,
  LicenceAgreement,
  MeteringConfig,
  ModelConfig,
  RevenueShareAgreement,
} from './types.ts';
import { ConfigError, YamlSyntaxError, loadConfigFile, priceInForce, selectsChannel, type Environment } from './load-config.ts';
import { formatPath, type Problem } from '../config-schema/problem.ts';
import { formatBasisPoints, formatBytes, formatDuration, formatMicros, formatMinuteOfDay } from '../config-schema/values.ts';
import { providerKind } from '../providers/catalog.ts';

export interface CheckConfigResult {
  readonly ok: boolean;
  /** What the command prints, ending with a newline. */
  readonly output: string;
}

export async function checkConfigFile(path: string, env?: Environment): Promise<CheckConfigResult> {
  let config: GatewayConfig;
  try {
    config = await loadConfigFile(path, env, 'unresolved');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { ok: false, output: describeConfigError(path, error) };
  }
  return { ok: true, output: `${path} is valid.\n${describeConfig(config)}` };
}

/** Every problem under a heading, one `path: message` per line; a YAML syntax error as its one `file:line:column` line. */
export function describeConfigError(path: string, error: ConfigError): string {
  if (error instanceof YamlSyntaxError) return `${error.message}\n`;
  const count = error.problems.length === 1 ? '1 problem' : `${error.problems.length} problems`;
  return `${path} is not valid (${count}):\n${error.message}\n`;
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
    `routing  ${describeRouting(config.routing)}`,
    `metering ${describeMetering(config.metering)}`,
    '',
    `providers (${config.providers.size})`,
  ];
  const providerRows = [...config.providers.values()].map((provider) => {
    const summary = providerKind(provider.kind).summary?.(provider.settings);
    const details = [
      ...(summary?.settings ?? []),
      summary?.authentication ?? (provider.apiKey === undefined ? 'no API key' : 'API key set'),
      ...(provider.region === undefined ? [] : [`region ${provider.region}`]),
      ...(provider.dataPolicy.zeroRetention ? ['zero retention'] : []),
      `${provider.connections} connections`,
      `timeout ${formatDuration(provider.timeoutMs)}`,
      ...(Object.keys(provider.headers).length === 0 ? [] : [`headers: ${Object.keys(provider.headers).join(', ')}`]),
    ];
    return [provider.name, provider.kind, provider.baseUrl, `(${details.join('; ')})`];
  });
  lines.push(...table(providerRows, '  '));
  lines.push(`models (${config.models.size})`);
  for (const model of config.models.values()) {
    const options = [
      ...(model.sticky === undefined ? [] : [`sticky by ${model.sticky.header}`]),
      ...(model.firstTokenTimeoutMs === undefined ? [] : [`first token within ${formatDuration(model.firstTokenTimeoutMs)}`]),
    ];
    lines.push(`  ${model.name}  (${[model.type, `route ${model.route}`, `owned by ${model.ownedBy}`, ...options].join(', ')})`);
    const channelRows = model.channels.map((channel, index) => {
      const details = describeChannel(channel, model, config.metering.currency);
      return [`${index + 1}.`, channel.provider, channel.model, details.length === 0 ? '' : `(${details.join('; ')})`];
    });
    lines.push(...table(channelRows, '    '));
  }
  if (config.agreements.length > 0) {
    lines.push(`agreements (${config.agreements.length})`);
    lines.push(...table(config.agreements.map((agreement) => describeAgreement(agreement, config.metering.currency)), '  '));
  }
  if (config.declineRules.length > 0) {
    lines.push(`decline rules (${config.declineRules.length})`);
    lines.push(...table(config.declineRules.map(describeDeclineRule), '  '));
  }
  const warnings = configWarnings(config);
  if (warnings.length > 0) {
    lines.push('', `warnings (${warnings.length})`, ...warnings.map((warning) => `  ${warning.path}: ${warning.message}`));
  }
  return `${lines.join('\n')}\n`;
}

/** `2M`, `128k`, `1500`: exact, shortened only where nothing is lost. */
export function formatCount(count: number): string {
  if (count >= 1_000_000 && count % 1_000_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1000 && count % 1000 === 0) return `${count / 1000}k`;
  return String(count);
}

function describeRouting(routing: GatewayConfig['routing']): string {
  const { breaker, retries } = routing;
  const retry =
    retries.attempts === 0
      ? 'no retries'
      : `${retries.attempts} ${retries.attempts === 1 ? 'retry' : 'retries'} on the last channel left (backoff ${formatDuration(retries.baseDelayMs)} to ${formatDuration(retries.maxDelayMs)})`;
  return [
    `breaker opens for ${formatDuration(breaker.openForMs)} when ${Number((breaker.failureRate * 100).toFixed(2))}% of at least ${breaker.minimumRequests} requests in ${formatDuration(breaker.windowMs)} fail, then ${breaker.halfOpenProbes} half-open ${breaker.halfOpenProbes === 1 ? 'probe' : 'probes'}`,
    retry,
    routing.recentTraces === 0 ? 'no route traces kept' : `${routing.recentTraces} route traces kept`,
  ].join('; ');
}

function describeMetering(metering: MeteringConfig): string {
  const tenants = [...metering.tenantMarkupBasisPoints].map(([tenant, markup]) => `${tenant} ${formatBasisPoints(markup)}%`);
  return [
    `currency ${metering.currency}`,
    `ledger ${metering.ledger ? 'on' : 'off'}`,
    metering.markupBasisPoints === 0 ? 'tenants charged cost' : `tenants charged cost + ${formatBasisPoints(metering.markupBasisPoints)}%`,
    ...(tenants.length === 0 ? [] : [`per tenant: ${tenants.join(', ')}`]),
  ].join('; ');
}

/** `$2.50` in US dollars, `2.50 EUR` in any other currency. */
function formatMoney(micros: number, currency: string): string {
  return currency === 'USD' ? `$${formatMicros(micros)}` : `${formatMicros(micros)} ${currency}`;
}

/** A channel's settings beyond provider and model, briefly: primary, weight, capacity, price, what it cannot do. */
function describeChannel(channel: ChannelConfig, model: ModelConfig, currency: string): string[] {
  const details: string[] = [];
  if (channel.primary) details.push('primary');
  if (model.route === 'weighted' || channel.weight !== 1) details.push(`weight ${channel.weight}`);
  const { capacity, capabilities } = channel;
  if (capacity !== undefined) {
    details.push(
      'capacity ' +
        [...(capacity.tpm === undefined ? [] : [`${formatCount(capacity.tpm)} tpm`]), ...(capacity.rpm === undefined ? [] : [`${formatCount(capacity.rpm)} rpm`])].join(', '),
    );
  }
  // The price in force today; the prices only metering reads are shown where they differ from their defaults.
  const price = priceInForce(channel.prices, Date.now());
  if (price !== undefined) {
    const money = (micros: number) => formatMoney(micros, currency);
    const cached = price.cachedInputMicrosPerMillion === price.inputMicrosPerMillion ? '' : `, ${money(price.cachedInputMicrosPerMillion)} cached`;
    const cacheWrite = price.cacheWriteMicrosPerMillion === price.inputMicrosPerMillion ? '' : `, ${money(price.cacheWriteMicrosPerMillion)} cache write`;
    const output = model.type === 'embedding' && price.outputMicrosPerMillion === 0 ? '' : `, ${money(price.outputMicrosPerMillion)} out`;
    const reasoning = price.reasoningMicrosPerMillion === price.outputMicrosPerMillion ? '' : `, ${money(price.reasoningMicrosPerMillion)} reasoning`;
    details.push(`${money(price.inputMicrosPerMillion)} in${cached}${cacheWrite}${output}${reasoning} per 1M tokens`);
    if (channel.prices.length > 1 || price.from !== undefined) {
      details.push(`priced ${channel.prices.map((entry) => (entry.from === undefined ? 'since always' : `from ${entry.from}`)).join(', ')}`);
    }
  }
  const lacking = (
    [
      ['vision', capabilities.vision],
      ['tools', capabilities.tools],
      ['json_schema', capabilities.jsonSchema],
      ['streaming', capabilities.streaming],
    ] as const
  ).filter(([, present]) => !present);
  if (lacking.length > 0) details.push(`no ${lacking.map(([name]) => name).join(', no ')}`);
  if (capabilities.contextWindow !== undefined) details.push(`context ${formatCount(capabilities.contextWindow)}`);
  return details;
}

function describeDays(from: string | undefined, until: string | undefined): string {
  if (from !== undefined && until !== undefined) return `${from} to ${until}`;
  if (from !== undefined) return `from ${from}`;
  if (until !== undefined) return `until ${until}`;
  return 'no dates';
}

function describeAgreement(agreement: AgreementConfig, currency: string): string[] {
  switch (agreement.kind) {
    case 'licence':
      return describeLicence(agreement);
    case 'revenue-share':
      return describeRevenueShare(agreement, currency);
    case 'commitment':
      return describeCommitment(agreement, currency);
  }
}

const describeSelector = (selector: ChannelSelector) => (selector.model === undefined ? selector.provider : `${selector.provider}/${selector.model}`);

function describeRevenueShare(share: RevenueShareAgreement, currency: string): string[] {
  const scope = [
    share.channels === undefined ? 'every channel' : `channels ${share.channels.map(describeSelector).join(', ')}`,
    share.models === undefined ? 'every model' : `models ${share.models.join(', ')}`,
    share.tenants === undefined ? 'every tenant' : `tenants ${share.tenants.join(', ')}`,
  ];
  return [
    share.name,
    `${share.kind} to ${share.party}`,
    `${formatBasisPoints(share.percentBasisPoints)}% of ${share.basis}`,
    share.capMicros === undefined ? 'no cap' : `cap ${formatMoney(share.capMicros, currency)}`,
    `(${[...scope, describeDays(share.from, share.until)].join('; ')})`,
  ];
}

function describeCommitment(commitment: CommitmentAgreement, currency: string): string[] {
  return [
    commitment.name,
    `${commitment.kind} to ${commitment.party}`,
    commitment.provider,
    `spend ${formatMoney(commitment.amountMicros, currency)}`,
    `(${describeDays(commitment.from, commitment.until)}${commitment.prefer ? '; routing prefers it while behind its pace' : ''})`,
  ];
}

function describeLicence(agreement: LicenceAgreement): string[] {
  const models =
    agreement.models !== undefined
      ? `for ${agreement.models.join(', ')}`
      : agreement.coveredModels.length === 0
        ? 'for every model its channels serve (none)'
        : `for every model its channels serve (${agreement.coveredModels.join(', ')})`;
  return [
    agreement.name,
    `${agreement.kind} from ${agreement.party}`,
    agreement.channels.provider,
    agreement.channels.model ?? 'any model',
    `(${[models, describeDays(agreement.from, agreement.until), agreement.exclusive ? 'exclusive' : 'non-exclusive'].join('; ')})`,
  ];
}

function describeDeclineRule(rule: DeclineRuleConfig): string[] {
  const { when } = rule;
  const conditions: string[] = [];
  if (when.hours !== undefined) conditions.push(`${formatMinuteOfDay(when.hours.startMinute)}-${formatMinuteOfDay(when.hours.endMinute)} UTC`);
  if (when.days !== undefined) conditions.push(when.days.join(', '));
  if (when.models !== undefined) conditions.push(`models ${when.models.join(', ')}`);
  if (when.tenants !== undefined) conditions.push(`tenants ${when.tenants.join(', ')}`);
  const { minPromptTokens: minimum, maxPromptTokens: maximum } = when;
  if (minimum !== undefined && maximum !== undefined) conditions.push(`prompts of ${formatCount(minimum)} to ${formatCount(maximum)} tokens`);
  else if (minimum !== undefined) conditions.push(`prompts of at least ${formatCount(minimum)} tokens`);
  else if (maximum !== undefined) conditions.push(`prompts of at most ${formatCount(maximum)} tokens`);
  return [rule.name, 'declines on', rule.channel.provider, rule.channel.model ?? 'any model', `(${conditions.join('; ')})`];
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

  const serves = (selector: ChannelSelector, modelName: string) =>
    config.models.get(modelName)?.channels.some((channel) => selectsChannel(selector, channel)) === true;
  config.agreements.forEach((agreement, index) => {
    const path = ['agreements', index];
    if (agreement.kind === 'commitment') {
      if (!used.has(agreement.provider)) warn([...path, 'provider'], 'no model has a channel of this provider, so no spend counts towards it');
      return;
    }
    if (agreement.kind === 'revenue-share') {
      const selectors = agreement.channels;
      if (selectors === undefined) return;
      agreement.models?.forEach((modelName, position) => {
        if (!selectors.some((selector) => serves(selector, modelName))) {
          warn([...path, 'models', position], `no channel it names serves model "${modelName}", so nothing accrues for it`);
        }
      });
      return;
    }
    if (agreement.models === undefined) {
      if (agreement.coveredModels.length === 0) warn([...path, 'channels'], 'no model has a channel it covers, so it applies to nothing');
      return;
    }
    agreement.models.forEach((modelName, position) => {
      if (serves(agreement.channels, modelName)) return;
      warn(
        [...path, 'models', position],
        agreement.exclusive
          ? `no channel it covers serves model "${modelName}", so while it is in force no channel may serve it`
          : `no channel it covers serves model "${modelName}", so it has no effect on it`,
      );
    });
  });
  config.declineRules.forEach((rule, index) => {
    rule.when.models?.forEach((modelName, position) => {
      if (!serves(rule.channel, modelName)) {
        warn(['decline_rules', index, 'when', 'models', position], `the channel it names does not serve model "${modelName}", so this never matches`);
      }
    });
  });
  return warnings;
}
