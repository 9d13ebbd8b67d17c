/**
 * A gateway in front of two OpenAI-dialect emulators, for end-to-end tests:
 *   - "primary":   kind openai, with an API key (the emulator checks it)
 *   - "secondary": kind openai-compatible, no key (a self-hosted server)
 * Models: `gpt-4o-mini` (primary, then secondary), `solo` (primary only, upstream model gpt-4o),
 * `local` (secondary only), `text-embedding-3-small` (embedding, primary then secondary).
 */
import { startOpenAIEmulator, type RunningEmulator } from '../../emulators/openai/index.ts';
import { parseConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { Stages } from '../../src/pipeline/stages.ts';
import { startGateway, type RunningGateway } from '../../src/server/gateway-server.ts';

export const primaryKey = 'sk-test-primary';
/** The stack's admin token (for `/admin/routes`). */
export const stackAdminToken = 'stack-admin-token-0123456789';
export const stackAdminHeaders = { authorization: `Bearer ${stackAdminToken}` };

export interface GatewayStack {
  readonly primary: RunningEmulator;
  readonly secondary: RunningEmulator;
  readonly gateway: RunningGateway;
  /** The gateway's OpenAI base URL (`…/v1`). */
  readonly baseURL: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Per-attempt header timeout for both providers. */
  readonly providerTimeout?: string;
  readonly maxBodyBytes?: string;
  readonly requestTimeout?: string;
  /** The `server:` section's fields, as a YAML flow mapping's content (`headers_timeout: 300ms, max_headers: 20`). */
  readonly server?: string;
  /** Pipeline stages added to the gateway's own. */
  readonly stages?: Stages;
}

export async function startGatewayStack(options: StackOptions = {}): Promise<GatewayStack> {
  const primary = await startOpenAIEmulator({ apiKey: primaryKey, quiet: true });
  const secondary = await startOpenAIEmulator({ quiet: true });
  const yaml = `
listen: 127.0.0.1:0
limits:
  max_body_bytes: ${options.maxBodyBytes ?? '1mb'}
  request_timeout: ${options.requestTimeout ?? '20s'}
  stream_idle_timeout: 5s
${options.server === undefined ? '' : `server: { ${options.server} }`}
logging: { level: silent, requests: false }
auth: { clients: none }
store: { kind: memory }
admin: { tokens: { tests: ${stackAdminToken} } }
providers:
  primary:
    kind: openai
    base_url: \${PRIMARY_URL}
    auth: { api_key: \${PRIMARY_KEY} }
    timeout: ${options.providerTimeout ?? '5s'}
  secondary:
    kind: openai-compatible
    base_url: \${SECONDARY_URL}
    timeout: ${options.providerTimeout ?? '5s'}
models:
  gpt-4o-mini:
    channels:
      - { provider: primary, model: gpt-4o-mini }
      - { provider: secondary, model: gpt-4o-mini }
  solo:
    channels:
      - { provider: primary, model: gpt-4o }
  local:
    channels:
      - { provider: secondary, model: gpt-4.1 }
  text-embedding-3-small:
    type: embedding
    channels:
      - { provider: primary, model: text-embedding-3-small }
      - { provider: secondary, model: text-embedding-3-small }
`;
  const config = parseConfig(yaml, {
    env: { PRIMARY_URL: primary.baseUrl, PRIMARY_KEY: primaryKey, SECONDARY_URL: secondary.baseUrl },
    source: 'test stack',
  });
  // STACK_LOG=1 shows the gateway's errors (what a fuzzed 500 was, with its stack).
  const gateway = await startGateway(config, { logger: createLogger(process.env.STACK_LOG === '1' ? 'error' : 'silent'), host: '127.0.0.1', port: 0, drainTimeoutMs: 1000, stages: options.stages });
  return {
    primary,
    secondary,
    gateway,
    baseURL: `${gateway.url}/v1`,
    async close() {
      await gateway.close();
      await Promise.all([primary.close(), secondary.close()]);
    },
  };
}
