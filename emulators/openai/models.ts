/**
 * The models an OpenAI emulator serves, and the `/v1/models` bodies, built once at start-up.
 */
import { hashString, hex32 } from '../core/index.ts';

export const DEFAULT_MODELS: readonly string[] = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'gpt-5',
  'gpt-5-mini',
  'o4-mini',
  'gpt-oss-120b',
  'gpt-oss-20b',
  'text-embedding-3-small',
  'text-embedding-3-large',
  'text-embedding-ada-002',
];

/** Creation times as the real `/v1/models` reports them (others get a stable made-up time). */
const CREATED: Record<string, number> = {
  'gpt-4o': 1715367049,
  'gpt-4o-mini': 1721172741,
  'gpt-4.1': 1744316542,
  'gpt-4.1-mini': 1744318173,
  'gpt-4.1-nano': 1744321707,
  'gpt-5': 1754425777,
  'gpt-5-mini': 1754425928,
  'o4-mini': 1744225351,
  'text-embedding-3-small': 1705948997,
  'text-embedding-3-large': 1705953180,
  'text-embedding-ada-002': 1671217299,
};

/** Native vector length of an embedding model. */
export function embeddingDimensions(model: string): number {
  return model === 'text-embedding-3-large' ? 3072 : 1536;
}

export function isEmbeddingModel(model: string): boolean {
  return model.includes('embedding');
}

/** Only the text-embedding-3 family accepts `dimensions`. */
export function acceptsDimensions(model: string): boolean {
  return model !== 'text-embedding-ada-002';
}

export interface ModelEntry {
  readonly id: string;
  readonly created: number;
  /** `fp_` and 10 hex characters, fixed per model. */
  readonly fingerprint: string;
  /** The JSON of `GET /v1/models/{id}`. */
  readonly json: string;
}

export class ModelCatalog {
  readonly #entries = new Map<string, ModelEntry>();
  /** The JSON of `GET /v1/models`. */
  readonly listJson: string;

  constructor(models: readonly string[]) {
    const data = [];
    for (const id of models) {
      const created = CREATED[id] ?? 1_700_000_000 + (hashString(id) % 40_000_000);
      const model = { id, object: 'model', created, owned_by: 'system' };
      data.push(model);
      this.#entries.set(id, {
        id,
        created,
        fingerprint: 'fp_' + hex32(hashString(id, 0x1234567)).slice(0, 8) + hex32(hashString(id)).slice(0, 2),
        json: JSON.stringify(model),
      });
    }
    this.listJson = JSON.stringify({ object: 'list', data });
  }

  get(id: string): ModelEntry | undefined {
    return this.#entries.get(id);
  }
}
