/**
 * The providers the conformance suite runs against: each one an adapter built through the registry, talking to its
 * cloud's emulator. A new cloud adds one entry here.
 */
import { startAzureOpenAIEmulator } from '../../emulators/azure-openai/index.ts';
import { startBedrockEmulator } from '../../emulators/bedrock/index.ts';
import type { RunningEmulatorBase } from '../../emulators/core/index.ts';
import { startOpenAIEmulator } from '../../emulators/openai/index.ts';
import { createTestServiceAccount, mintTestToken, startVertexEmulator } from '../../emulators/vertex/index.ts';
import type { ProviderConfig } from '../../src/config/types.ts';
import type { ProviderAdapter } from '../../src/providers/adapter.ts';
import { createAdapter } from '../../src/providers/registry.ts';

export interface ConformanceUpstream {
  readonly adapter: ProviderAdapter;
  /** Upstream model names this provider serves in the emulator. */
  readonly chatModel: string;
  /** Undefined for providers that serve no embeddings (the embeddings case is skipped, with that reason). */
  readonly embeddingModel: string | undefined;
  /** Sets a fault (the emulators' shared grammar) for every following request, or clears it. */
  setFault(spec: string | undefined): void;
  /** Upstream requests the emulator saw abort before it finished. */
  aborted(): number;
  /** The body of the last request the emulator received (parsed JSON). */
  lastBody(): unknown;
  close(): Promise<void>;
}

export interface ConformanceTarget {
  readonly name: string;
  start(): Promise<ConformanceUpstream>;
}

/** An adapter under test with the emulator behind it: faults, aborts and shutdown go to the emulator. */
function upstream(emulator: RunningEmulatorBase, adapter: ProviderAdapter, chatModel: string, embeddingModel: string | undefined): ConformanceUpstream {
  return {
    adapter,
    chatModel,
    embeddingModel,
    setFault: (spec) => emulator.setFault(spec),
    aborted: () => emulator.stats.aborted,
    lastBody: () => emulator.received.at(-1)?.body,
    async close() {
      await adapter.close();
      await emulator.close();
    },
  };
}

function openAIDialectTarget(kind: 'openai' | 'openai-compatible'): ConformanceTarget {
  return {
    name: kind,
    async start() {
      const apiKey = kind === 'openai' ? 'sk-conformance' : undefined;
      const emulator = await startOpenAIEmulator({ apiKey, quiet: true });
      const provider: ProviderConfig = {
        name: `${kind}-under-test`,
        kind,
        baseUrl: emulator.baseUrl,
        apiKey,
        headers: {},
        region: undefined,
        connections: 8,
        timeoutMs: 5_000,
        dataPolicy: { zeroRetention: false },
        settings: {},
      };
      const adapter = createAdapter(provider);
      return upstream(emulator, adapter, 'gpt-4o-mini', 'text-embedding-3-small');
    },
  };
}

function azureOpenAITarget(api: 'v1' | 'deployments'): ConformanceTarget {
  return {
    name: `azure-openai (${api})`,
    async start() {
      const apiKey = 'azure-conformance';
      const emulator = await startAzureOpenAIEmulator({ apiKey, quiet: true });
      const provider: ProviderConfig = {
        name: `azure-${api}-under-test`,
        kind: 'azure-openai',
        baseUrl: emulator.url,
        apiKey,
        headers: {},
        region: undefined,
        connections: 8,
        timeoutMs: 5_000,
        dataPolicy: { zeroRetention: false },
        settings: { api, apiVersion: '2024-10-21', entra: undefined },
      };
      const adapter = createAdapter(provider);
      return upstream(emulator, adapter, 'gpt-4o-mini', 'text-embedding-3-small');
    },
  };
}

function bedrockTarget(api: 'converse' | 'openai'): ConformanceTarget {
  return {
    name: `bedrock (${api})`,
    async start() {
      const credentials = { accessKeyId: 'AKIDCONFORMANCE', secretAccessKey: 'conformance-secret' };
      const emulator = await startBedrockEmulator({ region: 'eu-central-1', credentials: [credentials], quiet: true });
      const provider: ProviderConfig = {
        name: `bedrock-${api}-under-test`,
        kind: 'bedrock',
        baseUrl: emulator.url,
        apiKey: undefined,
        headers: {},
        region: 'eu-central-1',
        connections: 8,
        timeoutMs: 5_000,
        dataPolicy: { zeroRetention: false },
        settings: { api, region: 'eu-central-1', credentials: { source: 'static', ...credentials, sessionToken: undefined } },
      };
      const adapter = createAdapter(provider);
      // Each API's target embeds with another family: InvokeModel serves both whatever the chat API.
      return upstream(emulator, adapter, 'openai.gpt-oss-120b-1:0', api === 'converse' ? 'amazon.titan-embed-text-v2:0' : 'cohere.embed-english-v3');
    },
  };
}

function vertexTarget(api: 'gemini' | 'openai'): ConformanceTarget {
  return {
    name: `vertex (${api})`,
    async start() {
      const account = createTestServiceAccount();
      const emulator = await startVertexEmulator({ project: 'conformance', publicKey: account.publicKey, quiet: true });
      const provider: ProviderConfig = {
        name: `vertex-${api}-under-test`,
        kind: 'vertex',
        baseUrl: emulator.url,
        apiKey: undefined,
        headers: {},
        region: undefined,
        connections: 8,
        timeoutMs: 5_000,
        dataPolicy: { zeroRetention: false },
        settings: { api, project: 'conformance', location: 'us-central1', credentials: { source: 'application-default' } },
      };
      const adapter = createAdapter(provider, {
        googleTokens: () => async () => ({ token: await mintTestToken(account.privateKey, { email: account.email }), expiresOnTimestamp: Date.now() + 3_600_000 }),
      });
      // `:predict` serves both whatever the chat API: one model that batches, one that takes an input per request.
      return upstream(emulator, adapter, api === 'gemini' ? 'gemini-2.5-flash' : 'openai/gpt-oss-120b-maas', api === 'gemini' ? 'text-embedding-005' : 'gemini-embedding-001');
    },
  };
}

export const conformanceTargets: readonly ConformanceTarget[] = [
  openAIDialectTarget('openai'),
  openAIDialectTarget('openai-compatible'),
  azureOpenAITarget('deployments'),
  azureOpenAITarget('v1'),
  bedrockTarget('converse'),
  bedrockTarget('openai'),
  vertexTarget('gemini'),
  vertexTarget('openai'),
];
