/**
 * The models a Vertex AI emulator serves: Gemini models (publisher `google`, answered on `:generateContent`),
 * text embedding models (publisher `google`, answered on `:predict`) and
 * OpenAI-compatible partner / open models (`publisher/model` IDs, answered on `endpoints/openapi/chat/completions`),
 * with each model's context window, output limit, thinking behaviour and requests-per-minute quota.
 */
import { MinuteWindow } from '../core/minute-window.ts';
import { ModelCatalog, type ModelEntry } from '../openai/models.ts';

export interface VertexModel {
  /** Prompt tokens above it → 400 "The input token count (N) exceeds the maximum number of tokens allowed (M)."; default 1 048 576 (Gemini) or 131 072 (others). */
  contextWindow?: number;
  /** Requests per minute (rolling 60 s window); unlimited when absent. */
  rpm?: number;
  /** Largest accepted `maxOutputTokens` (Gemini models); default 65 536 (8 192 for gemini-2.0 and older). */
  maxOutputTokens?: number;
}

export const DEFAULT_VERTEX_MODELS: Readonly<Record<string, VertexModel>> = Object.freeze({
  'gemini-2.5-pro': {},
  'gemini-2.5-flash': {},
  'gemini-2.5-flash-lite': {},
  'gemini-2.0-flash': {},
  'gemini-2.0-flash-001': {},
  'gemini-2.0-flash-lite-001': {},
  'gemini-3-pro-preview': {},
  'gemini-3-flash-preview': {},
  'openai/gpt-oss-120b-maas': {},
  'openai/gpt-oss-20b-maas': {},
  'meta/llama-4-maverick-17b-128e-instruct-maas': {},
  'meta/llama-3.3-70b-instruct-maas': {},
  'deepseek-ai/deepseek-v3.1-maas': {},
  'qwen/qwen3-235b-a22b-instruct-2507-maas': {},
  'text-embedding-005': {},
  'text-multilingual-embedding-002': {},
  'gemini-embedding-001': {},
});

/** How a text embedding model answers `:predict`. */
export interface EmbeddingModel {
  /** The vector's length, and the largest `outputDimensionality`. */
  readonly dimensions: number;
  readonly maxInstances: number;
}

/** The embedding model an ID names (by its family), or undefined for a chat model. */
export function embeddingModel(id: string): EmbeddingModel | undefined {
  if (id === 'gemini-embedding-001') return { dimensions: 3072, maxInstances: 1 };
  if (id.startsWith('text-embedding-') || id.startsWith('text-multilingual-embedding-') || id.startsWith('textembedding-gecko')) {
    return { dimensions: 768, maxInstances: 250 };
  }
  return undefined;
}

/** Gemini's input limit (the number Vertex names in its "exceeds the maximum number of tokens allowed" error). */
export const GEMINI_CONTEXT_WINDOW = 1_048_576;
export const OPEN_MODEL_CONTEXT_WINDOW = 131_072;

/**
 * How a Gemini model thinks: `always` (2.5 Pro, 3 Pro: budget 0 is refused), `default` (2.5 Flash, 3 Flash: thinks
 * unless `thinkingBudget: 0`), `optional` (Flash-Lite: only with a budget or a level), `none` (2.0 and others).
 */
export type ThinkingMode = 'always' | 'default' | 'optional' | 'none';

export function thinkingMode(model: string): ThinkingMode {
  const thinkingFamily = model.startsWith('gemini-2.5') || model.startsWith('gemini-3');
  if (!thinkingFamily) return 'none';
  if (model.includes('-pro')) return 'always';
  if (model.includes('flash-lite')) return 'optional';
  if (model.includes('flash')) return 'default';
  return 'none';
}


export class ModelState {
  /** The served ID: `gemini-2.5-flash`, or `publisher/model` for an OpenAI-compatible model. */
  readonly id: string;
  /** `google` for Gemini models; the publisher of an OpenAI-compatible model. */
  readonly publisher: string;
  /** True for Gemini models (served on `:generateContent`); false for embedding and OpenAI-compatible ones. */
  readonly gemini: boolean;
  readonly contextWindow: number;
  readonly maxOutputTokens: number;
  readonly rpm: number;
  readonly thinking: ThinkingMode;
  /** The model as the OpenAI-compatible endpoint reports it (for a Gemini model: `google/<id>`). */
  readonly openai: ModelEntry;
  /** For a text embedding model (answered on `:predict` only): its size and batch limit. */
  readonly embedding: EmbeddingModel | undefined;
  readonly #window = new MinuteWindow();

  constructor(id: string, definition: VertexModel, openai: ModelEntry) {
    this.id = id;
    const slash = id.indexOf('/');
    this.embedding = slash < 0 ? embeddingModel(id) : undefined;
    this.gemini = slash < 0 && this.embedding === undefined;
    this.publisher = slash < 0 ? 'google' : id.slice(0, slash);
    this.contextWindow = definition.contextWindow ?? (this.gemini ? GEMINI_CONTEXT_WINDOW : OPEN_MODEL_CONTEXT_WINDOW);
    const legacy = id.startsWith('gemini-2.0') || id.startsWith('gemini-1');
    this.maxOutputTokens = definition.maxOutputTokens ?? (legacy ? 8_192 : 65_536);
    this.rpm = definition.rpm ?? Number.POSITIVE_INFINITY;
    this.thinking = this.gemini ? thinkingMode(id) : 'none';
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
  /** OpenAI-compatible names: partner IDs as given, Gemini IDs as `google/<id>`. */
  readonly #openai = new Map<string, ModelState>();

  constructor(definitions: Record<string, VertexModel>) {
    const names: string[] = [];
    for (const id of Object.keys(definitions)) names.push(id.includes('/') ? id : `google/${id}`);
    const catalog = new ModelCatalog(names);
    for (const [id, definition] of Object.entries(definitions)) {
      if (id === '' || id.startsWith('/') || id.endsWith('/') || id.includes(':')) {
        throw new Error(`vertex emulator: bad model ID '${id}'`);
      }
      for (const field of ['rpm', 'contextWindow', 'maxOutputTokens'] as const) {
        const value = definition?.[field];
        if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
          throw new Error(`vertex emulator: model '${id}': ${field} must be a positive integer, got ${value}`);
        }
      }
      const openaiName = id.includes('/') ? id : `google/${id}`;
      const state = new ModelState(id, definition ?? {}, catalog.get(openaiName) as ModelEntry);
      this.#models.set(id, state);
      this.#openai.set(openaiName, state);
    }
  }

  /** The Gemini model `publishers/{publisher}/models/{model}` names (publisher `google` only). */
  gemini(publisher: string, model: string): ModelState | undefined {
    if (publisher !== 'google') return undefined;
    const state = this.#models.get(model);
    return state !== undefined && state.gemini ? state : undefined;
  }

  /** The text embedding model `publishers/{publisher}/models/{model}` names (publisher `google` only). */
  embedding(publisher: string, model: string): ModelState | undefined {
    if (publisher !== 'google') return undefined;
    const state = this.#models.get(model);
    return state?.embedding !== undefined ? state : undefined;
  }

  /** The model the OpenAI-compatible endpoint's `model` names (`openai/gpt-oss-120b-maas`, `google/gemini-2.5-flash`). */
  openai(name: string): ModelState | undefined {
    const state = this.#openai.get(name);
    return state?.embedding === undefined ? state : undefined;
  }

  resetQuotas(): void {
    for (const model of this.#models.values()) model.resetQuota();
  }
}
