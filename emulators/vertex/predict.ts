/**
 * `:predict` for Google's text embedding models (`text-embedding-005`, `text-multilingual-embedding-002`,
 * `gemini-embedding-001`…): `{ instances: [{ content, task_type?, title? }], parameters?: { autoTruncate?,
 * outputDimensionality? } }` → `{ predictions: [{ embeddings: { statistics: { token_count, truncated }, values } }],
 * metadata: { billableCharacterCount } }`, with each model's limits: instances per request (250; gemini-embedding-001
 * one), 2048 tokens per input (cut when `autoTruncate` is true, the default; refused otherwise), 20,000 tokens per
 * request, and the largest `outputDimensionality` (768; gemini-embedding-001 3072).
 *
 * Vectors are the OpenAI emulator's (`embeddingVector`): the same text gets the same unit vector on every cloud.
 * Never imports from `src/`.
 */
import { countTokens, splitTokens } from '../core/index.ts';
import { embeddingVector } from '../openai/embeddings.ts';
import type { EmbeddingModel } from './models.ts';
import { badRequest, inputTooLong, invalidArgument, type GoogleError } from './vertex-errors.ts';

export const MAX_INPUT_TOKENS = 2048;
export const MAX_REQUEST_TOKENS = 20_000;
export const TASK_TYPES: readonly string[] = [
  'RETRIEVAL_QUERY',
  'RETRIEVAL_DOCUMENT',
  'SEMANTIC_SIMILARITY',
  'CLASSIFICATION',
  'CLUSTERING',
  'QUESTION_ANSWERING',
  'FACT_VERIFICATION',
  'CODE_RETRIEVAL_QUERY',
];
const REQUEST_FIELDS = new Set(['instances', 'parameters']);
const INSTANCE_FIELDS = new Set(['content', 'task_type', 'title']);
const PARAMETER_FIELDS = new Set(['autoTruncate', 'outputDimensionality']);

function unknownName(name: string): GoogleError {
  return badRequest([{ field: undefined, description: `Invalid JSON payload received. Unknown name "${name}": Cannot find field.` }]);
}

/** The JSON body of a `:predict` answer, or the error to send. */
export function predictEmbeddings(body: unknown, model: EmbeddingModel, modelId: string): GoogleError | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return badRequest([{ field: undefined, description: 'Invalid JSON payload received. Expected an object.' }]);
  }
  const request = body as Record<string, unknown>;
  for (const key of Object.keys(request)) if (!REQUEST_FIELDS.has(key)) return unknownName(key);
  const instances = request.instances;
  if (!Array.isArray(instances) || instances.length === 0) return invalidArgument('instances must be a non-empty list.');
  if (instances.length > model.maxInstances) {
    return invalidArgument(`${modelId} takes at most ${model.maxInstances} instance${model.maxInstances === 1 ? '' : 's'} per request; got ${instances.length}.`);
  }
  const parameters = request.parameters ?? {};
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) return invalidArgument('parameters must be an object.');
  for (const key of Object.keys(parameters)) if (!PARAMETER_FIELDS.has(key)) return invalidArgument(`Unknown parameter "${key}".`);
  const { autoTruncate = true, outputDimensionality } = parameters as { autoTruncate?: unknown; outputDimensionality?: unknown };
  if (typeof autoTruncate !== 'boolean') return invalidArgument('parameters.autoTruncate must be a boolean.');
  let dimensions = model.dimensions;
  if (outputDimensionality !== undefined) {
    if (typeof outputDimensionality !== 'number' || !Number.isInteger(outputDimensionality)) {
      return invalidArgument('parameters.outputDimensionality must be an integer.');
    }
    if (outputDimensionality < 1 || outputDimensionality > model.dimensions) {
      return invalidArgument(`Value of outputDimensionality for ${modelId} must be between 1 and ${model.dimensions}; got ${outputDimensionality}.`);
    }
    dimensions = outputDimensionality;
  }
  const predictions = [];
  let requestTokens = 0;
  let characters = 0;
  for (let index = 0; index < instances.length; index++) {
    const instance: unknown = instances[index];
    if (typeof instance !== 'object' || instance === null || Array.isArray(instance)) return invalidArgument(`instances[${index}] must be an object.`);
    const fields = instance as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (!INSTANCE_FIELDS.has(key)) return invalidArgument(`instances[${index}] has an unknown field "${key}".`);
    const { content, task_type: taskType, title } = fields;
    if (typeof content !== 'string' || content === '') return invalidArgument(`instances[${index}].content must be a non-empty string.`);
    if (taskType !== undefined && (typeof taskType !== 'string' || !TASK_TYPES.includes(taskType))) {
      return invalidArgument(`instances[${index}].task_type must be one of ${TASK_TYPES.join(', ')}.`);
    }
    if (title !== undefined && (typeof title !== 'string' || taskType !== 'RETRIEVAL_DOCUMENT')) {
      return invalidArgument(`instances[${index}].title is a string, only with task_type RETRIEVAL_DOCUMENT.`);
    }
    let tokens = countTokens(content);
    let embedded = content;
    const truncated = tokens > MAX_INPUT_TOKENS;
    if (truncated) {
      if (!autoTruncate) return inputTooLong(tokens, MAX_INPUT_TOKENS);
      embedded = splitTokens(content).slice(0, MAX_INPUT_TOKENS).join('');
      tokens = MAX_INPUT_TOKENS;
    }
    requestTokens += tokens;
    characters += embedded.replace(/\s/g, '').length;
    predictions.push({ embeddings: { statistics: { token_count: tokens, truncated }, values: Array.from(embeddingVector(embedded, dimensions)) } });
  }
  if (requestTokens > MAX_REQUEST_TOKENS) {
    return invalidArgument(`The request's ${requestTokens} input tokens are over the ${MAX_REQUEST_TOKENS} allowed per request; send fewer or shorter instances.`);
  }
  return JSON.stringify({ predictions, metadata: { billableCharacterCount: characters } });
}
