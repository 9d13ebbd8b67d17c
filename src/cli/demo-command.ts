/**
 * `interchange demo` (`npm start`): the gateway with every upstream emulated on loopback, configured from
 * examples/demo.yaml.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startBedrockEmulator } from '../../emulators/bedrock/index.ts';
import type { RunningEmulatorBase } from '../../emulators/core/index.ts';
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { startVertexEmulator } from '../../emulators/vertex/index.ts';
import { ConfigError, loadConfigFile } from '../config/load-config.ts';
import type { GatewayConfig } from '../config/types.ts';
import { formatDuration } from '../config-schema/values.ts';
import { startGateway } from '../server/gateway-server.ts';
import { parseCommandArgs, parsePort, usageProblem, waitForShutdownSignal } from './main.ts';

export const demoConfigPath = fileURLToPath(new URL('../../examples/demo.yaml', import.meta.url));
/** A service-account key made for the demo: the Vertex emulator trusts its self-signed JWTs, nothing else does. */
const demoGoogleKeyFile = fileURLToPath(new URL('../../examples/keys/demo-vertex-service-account.json', import.meta.url));
const demoOpenAIKey = 'sk-demo-openai';
const demoAzureKey = 'demo-azure-key';
const demoAwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'emulator-secret' };

export const demoUsage = `Usage: interchange demo [--port N] [--azure-port N] [--bedrock-port N] [--vertex-port N] [--openai-port N] [--vllm-port N]

What \`npm start\` runs: an emulator of each cloud on loopback (Azure OpenAI, AWS Bedrock, Google Vertex AI, the OpenAI
API, and a second OpenAI-compatible emulator standing in for a self-hosted vLLM server), then the gateway with
examples/demo.yaml. No account or key is needed. Ctrl+C stops everything.

Options:
  -p, --port N         the gateway's port (default: $PORT, else 8080)
      --azure-port N   the Azure OpenAI emulator's port (default 9103)
      --bedrock-port N the Bedrock emulator's port (default 9104)
      --vertex-port N  the Vertex AI emulator's port (default 9105)
      --openai-port N  the OpenAI emulator's port (default 9101)
      --vllm-port N    the self-hosted (vLLM) emulator's port (default 9102)
  -h, --help           show this text
`;

export async function runDemo(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('demo', args, {
    port: { type: 'string', short: 'p' },
    'openai-port': { type: 'string' },
    'vllm-port': { type: 'string' },
    'azure-port': { type: 'string' },
    'bedrock-port': { type: 'string' },
    'vertex-port': { type: 'string' },
  });
  if (positionals.length > 0) throw usageProblem('demo', `unexpected argument "${positionals[0]}"`);
  const emulators: RunningEmulatorBase[] = [];
  // A fresh store and admin token for each run: the demo key it prints is the only one.
  const scratch = await mkdtemp(join(tmpdir(), 'interchange-demo-'));
  const adminToken = randomBytes(24).toString('base64url');
  try {
    const openai = await startOpenAIEmulator({ port: parsePort(values['openai-port'], '--openai-port') ?? 9101, apiKey: demoOpenAIKey, quiet: true });
    emulators.push(openai);
    const vllm = await startOpenAIEmulator({
      name: 'local-vllm',
      port: parsePort(values['vllm-port'], '--vllm-port') ?? 9102,
      models: ['gpt-4o-mini', 'gpt-oss-120b', 'llama-3.1-8b-instruct'],
      quiet: true,
    });
    emulators.push(vllm);
    const azure = await startAzureOpenAIEmulator({
      port: parsePort(values['azure-port'], '--azure-port') ?? 9103,
      apiKey: demoAzureKey,
      deployments: {
        'gpt-4o-mini': { model: 'gpt-4o-mini' },
        'gpt-4.1': { model: 'gpt-4.1' },
        'text-embedding-3-large': { model: 'text-embedding-3-large' },
      },
      quiet: true,
    });
    emulators.push(azure);
    const bedrock = await startBedrockEmulator({
      port: parsePort(values['bedrock-port'], '--bedrock-port') ?? 9104,
      region: 'us-east-1',
      credentials: [demoAwsCredentials],
      models: { 'openai.gpt-oss-120b-1:0': {}, 'us.anthropic.claude-3-5-sonnet-20241022-v2:0': {} },
      quiet: true,
    });
    emulators.push(bedrock);
    const { private_key: privateKey } = JSON.parse(await readFile(demoGoogleKeyFile, 'utf8')) as { private_key: string };
    const vertex = await startVertexEmulator({
      port: parsePort(values['vertex-port'], '--vertex-port') ?? 9105,
      project: 'interchange-demo',
      publicKey: createPublicKey(privateKey),
      quiet: true,
    });
    emulators.push(vertex);
    const config = await loadConfigFile(demoConfigPath, {
      ...process.env,
      DEMO_OPENAI_BASE_URL: openai.baseUrl,
      DEMO_OPENAI_API_KEY: demoOpenAIKey,
      DEMO_VLLM_BASE_URL: vllm.baseUrl,
      DEMO_AZURE_ENDPOINT: azure.url,
      DEMO_AZURE_API_KEY: demoAzureKey,
      DEMO_BEDROCK_ENDPOINT: bedrock.url,
      DEMO_AWS_ACCESS_KEY_ID: demoAwsCredentials.accessKeyId,
      DEMO_AWS_SECRET_ACCESS_KEY: demoAwsCredentials.secretAccessKey,
      DEMO_VERTEX_ENDPOINT: vertex.url,
      DEMO_GOOGLE_KEY_FILE: demoGoogleKeyFile,
      DEMO_STORE_PATH: join(scratch, 'demo.db'),
      DEMO_ADMIN_TOKEN: adminToken,
    });
    const gateway = await startGateway(config, { port: parsePort(values.port, '--port') ?? parsePort(process.env.PORT, 'PORT') });
    const admin = gateway.context.identity.admin;
    await admin.createTenant('demo', { id: 'demo', name: 'Demo tenant' });
    const { key } = await admin.createKey('demo', { tenant: 'demo', name: 'demo key' });
    process.stdout.write(describeDemo(gateway.url, azure.url, bedrock.url, vertex.url, openai, vllm, config, key, adminToken, join(scratch, 'demo.db')));
    await waitForShutdownSignal();
    await gateway.close();
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`interchange demo: ${demoConfigPath} is not valid:\n${error.message}\n`);
      return 1;
    }
    if ((error as { code?: string }).code === 'EADDRINUSE') {
      process.stderr.write(`interchange demo: ${(error as Error).message}. Another process holds the port; pass --port, --azure-port, --bedrock-port, --vertex-port, --openai-port or --vllm-port.\n`);
      return 1;
    }
    throw error;
  } finally {
    await Promise.all(emulators.map((emulator) => emulator.close()));
    await rm(scratch, { recursive: true, force: true });
  }
}

function describeDemo(
  url: string,
  azure: string,
  bedrock: string,
  vertex: string,
  openai: RunningEmulator,
  vllm: RunningEmulator,
  config: GatewayConfig,
  key: string,
  adminToken: string,
  storePath: string,
): string {
  const models = [...config.models.keys()];
  const { breaker } = config.routing;
  return `
Interchange demo is running.

  Gateway (OpenAI-compatible)  ${url}/v1
  Upstream "azure-eastus"      ${azure}  (Azure OpenAI emulator, deployments style)
  Upstream "azure-sweden"      ${azure}  (the same emulator, v1 style)
  Upstream "bedrock-use1"      ${bedrock}  (AWS Bedrock emulator, Converse with SigV4)
  Upstream "vertex-usc1"       ${vertex}  (Google Vertex AI emulator, Gemini API)
  Upstream "vertex-maas"       ${vertex}  (the same emulator, OpenAI-compatible endpoint)
  Upstream "openai"            ${openai.baseUrl}  (OpenAI API emulator)
  Upstream "local-vllm"        ${vllm.baseUrl}  (self-hosted OpenAI-compatible emulator)
  Configuration                ${demoConfigPath}
  Models                       ${models.join(', ')}
  Operations                   ${url}/healthz  ${url}/readyz  ${url}/metrics

Every request needs a key, as in production. The demo made a tenant "demo" and one key for it:

  demo key: ${key}
  admin token: ${adminToken}

Try it:

  export DEMO_KEY=${key}
  curl -s ${url}/v1/chat/completions -H "authorization: Bearer $DEMO_KEY" -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello from the demo"}]}'

  Fallback: a marker in the prompt makes the Azure emulator answer 429, so "openai" serves
  (see the x-interchange-provider response header):

  curl -si ${url}/v1/chat/completions -H "authorization: Bearer $DEMO_KEY" -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi [emulator-fault@azure-openai: status=429, retry-after=1]"}]}'

  Other faults (status=503, reset, cut-after=N, …) count against Azure's circuit breaker: once
  ${Math.round(breaker.failureRate * 100)}% of at least ${breaker.minimumRequests} requests to it within ${formatDuration(breaker.windowMs)} have failed, the circuit opens and for ${formatDuration(breaker.openForMs)}
  Azure is passed over without a call (route: azure-eastus/gpt-4o-mini:unable=circuit-open), so
  every request goes to "openai" and later fault markers aimed at Azure show nothing. Wait
  ${formatDuration(breaker.openForMs)} (or restart the demo) between fault experiments.

  Or any OpenAI client with base URL ${url}/v1 and the demo key as its API key.
  Keys and tenants: curl -s ${url}/admin/keys -H "authorization: Bearer ${adminToken}"
  (or interchange keys list --gateway ${url} with INTERCHANGE_ADMIN_TOKEN set; docs/keys.md).

  What the requests cost and owe under the agreements (the ledger, read from the demo's store; docs/ledger.md):
  DEMO_STORE_PATH=${storePath} npx interchange ledger statement --config ${relative(process.cwd(), demoConfigPath) || demoConfigPath} --by party
  Press Ctrl+C to stop.

`;
}
