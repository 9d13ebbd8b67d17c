/**
 * The models a Bedrock emulator serves (foundation model IDs, `us.`/`eu.`/`global.` inference profiles, ARNs), how a
 * request's model identifier resolves to one, and each model's requests-per-minute quota over a rolling 60 s window.
 */
import { MinuteWindow } from '../core/minute-window.ts';
import { ModelCatalog, type ModelEntry } from '../openai/models.ts';
import { embeddingFamily, type EmbeddingFamily } from './invoke-model.ts';

export interface BedrockModel {
  /** Prompt tokens above it → ValidationException "Input is too long for requested model."; default 128000. */
  contextWindow?: number;
  /** Requests per minute (rolling 60 s window); unlimited when absent. */
  rpm?: number;
}

export const DEFAULT_CONTEXT_WINDOW = 128_000;

export const DEFAULT_BEDROCK_MODELS: Readonly<Record<string, BedrockModel>> = Object.freeze({
  'openai.gpt-oss-120b-1:0': {},
  'openai.gpt-oss-20b-1:0': {},
  'anthropic.claude-3-5-sonnet-20241022-v2:0': {},
  'anthropic.claude-3-5-haiku-20241022-v1:0': {},
  'anthropic.claude-3-7-sonnet-20250219-v1:0': {},
  'anthropic.claude-sonnet-4-20250514-v1:0': {},
  'us.anthropic.claude-3-5-sonnet-20241022-v2:0': {},
  'us.anthropic.claude-3-7-sonnet-20250219-v1:0': {},
  'us.anthropic.claude-sonnet-4-20250514-v1:0': {},
  'eu.anthropic.claude-sonnet-4-20250514-v1:0': {},
  'global.anthropic.claude-sonnet-4-20250514-v1:0': {},
  'amazon.nova-pro-v1:0': {},
  'amazon.nova-lite-v1:0': {},
  'amazon.nova-micro-v1:0': {},
  'us.amazon.nova-pro-v1:0': {},
  'meta.llama3-1-70b-instruct-v1:0': {},
  'mistral.mistral-large-2407-v1:0': {},
  'amazon.titan-embed-text-v2:0': {},
  'cohere.embed-english-v3': {},
  'cohere.embed-multilingual-v3': {},
});


export class ModelState {
  readonly id: string;
  readonly contextWindow: number;
  readonly rpm: number;
  /** The model as the OpenAI-compatible endpoint reports it. */
  readonly openai: ModelEntry;
  /** The embedding family InvokeModel serves it as (by its ID); undefined for chat models, served by Converse. */
  readonly embedding: EmbeddingFamily | undefined;
  readonly #window = new MinuteWindow();

  constructor(id: string, definition: BedrockModel, openai: ModelEntry) {
    this.id = id;
    this.embedding = embeddingFamily(id);
    this.contextWindow = definition.contextWindow ?? DEFAULT_CONTEXT_WINDOW;
    this.rpm = definition.rpm ?? Number.POSITIVE_INFINITY;
    this.openai = openai;
  }

  /** Charges one request at `now`; returns false (nothing charged) when the window is full. */
  take(now: number): boolean {
    if (this.rpm === Number.POSITIVE_INFINITY) return true;
    if (this.#window.count(now) >= this.rpm) return false;
    this.#window.record(now);
    return true;
  }

  resetQuota(): void {
    this.#window.reset();
  }
}

export class ModelTable {
  readonly #models = new Map<string, ModelState>();

  constructor(definitions: Record<string, BedrockModel>) {
    const catalog = new ModelCatalog(Object.keys(definitions));
    for (const [id, definition] of Object.entries(definitions)) {
      if (id === '') throw new Error('bedrock emulator: empty model ID');
      for (const field of ['rpm', 'contextWindow'] as const) {
        const value = definition?.[field];
        if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
          throw new Error(`bedrock emulator: model '${id}': ${field} must be a positive integer, got ${value}`);
        }
      }
      this.#models.set(id, new ModelState(id, definition ?? {}, catalog.get(id) as ModelEntry));
    }
  }

  /**
   * The model a decoded identifier names: the identifier itself, or the resource of a foundation-model or
   * inference-profile ARN (`arn:aws:bedrock:us-east-1::foundation-model/openai.gpt-oss-120b-1:0`).
   */
  resolve(identifier: string): ModelState | undefined {
    const direct = this.#models.get(identifier);
    if (direct !== undefined || !identifier.startsWith('arn:')) return direct;
    const slash = identifier.indexOf('/');
    if (slash < 0) return undefined;
    const resource = identifier.slice(identifier.lastIndexOf(':', slash) + 1, slash);
    if (resource !== 'foundation-model' && resource !== 'inference-profile') return undefined;
    return this.#models.get(identifier.slice(slash + 1));
  }

  resetQuotas(): void {
    for (const model of this.#models.values()) model.resetQuota();
  }
}
