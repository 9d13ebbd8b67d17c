/**
 * The `openai` and `openai-compatible` providers: OpenAI's API and any server that speaks its dialect (vLLM, Ollama,
 * llama.cpp, LM Studio): the OpenAI dialect adapter with a base URL and a bearer key.
 */
import type { Pool } from 'undici';
import type { ProviderAdapter } from '../adapter.ts';
import { createUpstreamPool, type UpstreamQueueOptions } from '../http/upstream-pool.ts';
import type { OpenAIDialect } from './convert-request.ts';
import { createOpenAIDialectAdapter } from './openai-dialect-adapter.ts';
import { defineProviderKind, type AdapterSource } from '../provider-kind.ts';
import { openaiCompatibleSettings, openaiSettings } from './settings.ts';

export interface OpenAIProviderSettings {
  readonly name: string;
  readonly kind: 'openai' | 'openai-compatible';
  /** Including the version path, e.g. `https://api.openai.com/v1`. */
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  /** The wait for a connection once all are busy; defaults to `defaultUpstreamQueue`. */
  readonly queue?: UpstreamQueueOptions;
  /** Overrides the kind's default dialect. */
  readonly dialect?: OpenAIDialect;
}

const dialects: Record<OpenAIProviderSettings['kind'], OpenAIDialect> = {
  openai: { maxTokensField: 'as-sent' },
  'openai-compatible': { maxTokensField: 'max_tokens' },
};

export function createOpenAIAdapter(settings: OpenAIProviderSettings, pool?: Pool): ProviderAdapter {
  const url = new URL(settings.baseUrl);
  const basePath = url.pathname.replace(/\/+$/, '');
  const upstreamPool = pool ?? createUpstreamPool(url.origin, { connections: settings.connections, queue: settings.queue });
  const headers: Record<string, string> = { ...settings.headers, 'content-type': 'application/json' };
  if (settings.apiKey !== undefined) headers.authorization = `Bearer ${settings.apiKey}`;
  return createOpenAIDialectAdapter({
    name: settings.name,
    kind: settings.kind,
    pool: upstreamPool,
    dialect: settings.dialect ?? dialects[settings.kind],
    path: (operation) => `${basePath}/${operation}`,
    headers: () => headers,
    close: async () => {
      if (pool === undefined) await upstreamPool.close();
    },
  });
}

/** Both OpenAI kinds build the same adapter from the common provider fields. */
function adapterOf(provider: AdapterSource<'openai' | 'openai-compatible', unknown>): ProviderAdapter {
  return createOpenAIAdapter({
    name: provider.name,
    kind: provider.kind,
    baseUrl: provider.baseUrl,
    apiKey: provider.apiKey,
    headers: provider.headers,
    connections: provider.connections,
    queue: provider.queue,
  });
}

export const openaiKind = defineProviderKind(openaiSettings, adapterOf);

export const openaiCompatibleKind = defineProviderKind(openaiCompatibleSettings, adapterOf);
