// The gateway's generated configuration (run-bench.ts writes it to a temporary file and runs `serve --config` on it).

import {
  AZURE_API_KEY,
  BENCH_ADMIN_TOKEN,
  AZURE_API_VERSION,
  AZURE_DEPLOYMENT,
  AZURE_MODEL,
  MODEL,
  ROUTED_MODEL,
  ROUTED_PRIMARY_RPM,
  ROUTED_PROVIDERS,
  VERTEX_LOCATION,
  VERTEX_MODEL,
  VERTEX_PROJECT,
} from './request-body.ts';

export type GatewayPorts = { gateway: number; openai: number | null; azure: number | null; vertex: number | null };

/**
 * One gateway process serves every upstream of the run, with production logging (info, one line per request), so the
 * figures include what a deployed gateway pays for its request log. gpt-4o-mini → OpenAI emulator, gpt-4o-mini-azure →
 * Azure emulator, gemini-2.5-flash-lite → Vertex emulator (application-default Google credentials, which the harness
 * points at its loopback token stub); with `routing`, gpt-4o-mini-routed: primary-first over three providers at the
 * OpenAI emulator.
 */
/**
 * `store`: the SQLite file the gateway keeps (the production default: its ledger books every request there), `priced`
 * to put a price on the channel as well (`--ledger`); or `ledger-off` for the memory store with `metering.ledger: false`.
 */
export function gatewayConfig(ports: GatewayPorts, routing: boolean, keys: boolean, store: { readonly sqlite: string; readonly priced?: boolean } | 'ledger-off'): string {
  const price = store !== 'ledger-off' && store.priced === true ? ', price: { input: 0.15, cached_input: 0.075, output: 0.60 }' : '';
  const providers: string[] = [];
  const models: string[] = [];
  if (ports.openai !== null) {
    providers.push(`  emulator: { kind: openai-compatible, base_url: http://127.0.0.1:${ports.openai}/v1 }`);
    models.push(`  ${MODEL}: { channels: [ { provider: emulator, model: ${MODEL}${price} } ] }`);
    if (routing) {
      for (const provider of ROUTED_PROVIDERS) {
        providers.push(`  ${provider}: { kind: openai-compatible, base_url: http://127.0.0.1:${ports.openai}/v1 }`);
      }
      const [primary, ...others] = ROUTED_PROVIDERS;
      models.push(
        `  ${ROUTED_MODEL}:`,
        '    route: primary-first',
        '    channels:',
        `      - { provider: ${primary}, model: ${MODEL}, primary: true, capacity: { rpm: ${ROUTED_PRIMARY_RPM} } }`,
        ...others.map((provider) => `      - { provider: ${provider}, model: ${MODEL} }`),
      );
    }
  } else if (routing) {
    throw new Error('--routing needs the OpenAI emulator');
  }
  if (ports.azure !== null) {
    providers.push(
      '  azure:',
      '    kind: azure-openai',
      `    endpoint: http://127.0.0.1:${ports.azure}`,
      '    api: deployments',
      `    api_version: "${AZURE_API_VERSION}"`,
      `    auth: { api_key: ${AZURE_API_KEY} }`,
    );
    models.push(`  ${AZURE_MODEL}: { channels: [ { provider: azure, deployment: ${AZURE_DEPLOYMENT} } ] }`);
  }
  if (ports.vertex !== null) {
    providers.push(
      '  vertex:',
      '    kind: vertex',
      `    project: ${VERTEX_PROJECT}`,
      `    location: ${VERTEX_LOCATION}`,
      `    endpoint: http://127.0.0.1:${ports.vertex}`,
      '    auth: { google: application-default }',
    );
    models.push(`  ${VERTEX_MODEL}: { channels: [ { provider: vertex, model: ${VERTEX_MODEL} } ] }`);
  }
  return [
    `listen: 127.0.0.1:${ports.gateway}`,
    'logging: { level: info, requests: true }',
    keys ? 'auth: { clients: keys }' : 'auth: { clients: none }',
    store === 'ledger-off' ? 'store: { kind: memory }' : `store: { kind: sqlite, path: ${store.sqlite} }`,
    ...(store === 'ledger-off' ? ['metering: { ledger: false }'] : []),
    // The harness stops the gateway with SIGTERM and waits a few seconds: no load balancer to wait for here.
    'server: { shutdown_delay: 0s }',
    ...(keys ? [`admin: { tokens: { bench: ${BENCH_ADMIN_TOKEN} } }`] : []),
    'providers:',
    ...providers,
    'models:',
    ...models,
    '',
  ].join('\n');
}
