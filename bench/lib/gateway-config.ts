// The gateway's generated configuration (run-bench.ts writes it to a temporary file and runs `serve --config` on it).

import {
  AZURE_API_KEY,
  AZURE_API_VERSION,
  AZURE_DEPLOYMENT,
  AZURE_MODEL,
  MODEL,
  ROUTED_MODEL,
  ROUTED_PRIMARY,
  ROUTED_PRIMARY_RPM,
  ROUTED_PROVIDERS,
  VERTEX_LOCATION,
  VERTEX_MODEL,
  VERTEX_PROJECT,
} from './request-body.ts';

/**
 * One gateway process serves every upstream of the run: model gpt-4o-mini → OpenAI emulator, gpt-4o-mini-azure →
 * Azure, gemini-2.5-flash-lite → Vertex (endpoint overridden to the emulator; Google credentials: application default,
 * which the harness points at its loopback token stub, see lib/google-credentials.ts). With `routing` (`--routing`),
 * also gpt-4o-mini-routed: route primary-first over three channels on three more providers at the same OpenAI
 * emulator, the primary with a reserved capacity far above any rate here (its window is counted, never full).
 */
export function gatewayConfig(
  gatewayPort: number,
  emulatorPort: number | null,
  azurePort: number | null,
  vertexPort: number | null = null,
  routing = false,
  control = false,
): string {
  const providers: string[] = [];
  const models: string[] = [];
  if (emulatorPort !== null) {
    providers.push(`  emulator: { kind: openai-compatible, base_url: http://127.0.0.1:${emulatorPort}/v1 }`);
    models.push(`  ${MODEL}: { channels: [ { provider: emulator, model: ${MODEL} } ] }`);
  }
  if (routing) {
    if (emulatorPort === null) throw new Error('--routing needs the OpenAI emulator');
    for (const provider of ROUTED_PROVIDERS) {
      providers.push(`  ${provider}: { kind: openai-compatible, base_url: http://127.0.0.1:${emulatorPort}/v1 }`);
    }
    models.push(
      `  ${ROUTED_MODEL}:`,
      '    route: primary-first',
      '    channels:',
      ...ROUTED_PROVIDERS.map((provider) =>
        provider === ROUTED_PRIMARY
          ? `      - { provider: ${provider}, model: ${MODEL}, primary: true, capacity: { rpm: ${ROUTED_PRIMARY_RPM} } }`
          : `      - { provider: ${provider}, model: ${MODEL} }`,
      ),
    );
  }
  if (azurePort !== null && control) {
    // --control: the "azure" side is a second OpenAI emulator behind a second openai-compatible channel.
    providers.push(`  azure: { kind: openai-compatible, base_url: http://127.0.0.1:${azurePort}/v1 }`);
    models.push(`  ${AZURE_MODEL}: { channels: [ { provider: azure, model: ${MODEL} } ] }`);
  } else if (azurePort !== null) {
    providers.push(
      '  azure:',
      '    kind: azure-openai',
      `    endpoint: http://127.0.0.1:${azurePort}`,
      '    api: deployments',
      `    api_version: "${AZURE_API_VERSION}"`,
      `    auth: { api_key: ${AZURE_API_KEY} }`,
    );
    models.push(`  ${AZURE_MODEL}: { channels: [ { provider: azure, deployment: ${AZURE_DEPLOYMENT} } ] }`);
  }
  if (vertexPort !== null) {
    providers.push(
      '  vertex:',
      '    kind: vertex',
      `    project: ${VERTEX_PROJECT}`,
      `    location: ${VERTEX_LOCATION}`,
      `    endpoint: http://127.0.0.1:${vertexPort}`,
      '    auth: { google: application-default }',
    );
    models.push(`  ${VERTEX_MODEL}: { channels: [ { provider: vertex, model: ${VERTEX_MODEL} } ] }`);
  }
  return [
    `listen: 127.0.0.1:${gatewayPort}`,
    'logging: { level: warn, requests: false }',
    'providers:',
    ...providers,
    'models:',
    ...models,
    '',
  ].join('\n');
}
