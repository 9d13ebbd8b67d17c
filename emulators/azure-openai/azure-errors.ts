/**
 * Azure OpenAI's error bodies. Azure has two families: its own gateway errors, `{"error":{"code","message"}}` (with
 * the byte-level quirks of the real service, e.g. the space in `"message": "Resource not found"`), and the model's
 * errors passed through in OpenAI's shape `{"error":{"message","type","param","code"}}`.
 */
import type { Exchange, Fault, HeaderList } from '../core/index.ts';
import type { OpenAIError } from '../openai/openai-errors.ts';
import { invalidRequest } from '../openai/openai-errors.ts';
import { JSON_CONTENT_TYPE, baseHeaders } from './azure-headers.ts';

/** Unknown path, and a deployment-style request without `api-version`. */
export const RESOURCE_NOT_FOUND = '{"error":{"code":"404","message": "Resource not found"}}';

/** An `api-version` the operation does not support (and any dated version on the v1 API). */
export const API_VERSION_NOT_SUPPORTED = '{"error":{"code":"BadRequest","message":"API version not supported"}}';

/** Wrong or missing `api-key`. */
export const INVALID_KEY =
  '{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure ' +
  'to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}';

/** A rejected Microsoft Entra bearer token: the gateway's own shape, without an `error` wrapper. */
export const INVALID_TOKEN =
  '{ "statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is incorrect ' +
  '(https://cognitiveservices.azure.com), or have expired." }';

export const DEPLOYMENT_NOT_FOUND =
  '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. If you ' +
  'created the deployment within the last 5 minutes, please wait a moment and try again."}}';

/** Chat or responses on an embedding deployment, or embeddings on a chat deployment. */
export function operationNotSupported(operation: 'chatCompletion' | 'embeddings' | 'responses', model: string): string {
  return JSON.stringify({
    error: {
      code: 'OperationNotSupported',
      message:
        `The ${operation} operation does not work with the specified model, ${model}. Please choose different model ` +
        'and try again. You can learn more about which models can be used with each operation here: ' +
        'https://go.microsoft.com/fwlink/?linkid=2197993.',
    },
  });
}

export type OperationName = 'ChatCompletions_Create' | 'Embeddings_Create' | 'Responses_Create';

/** The 429 body of the per-deployment quota (`call`: requests per minute, `token`: tokens per minute). */
export function rateLimitBody(operation: OperationName, apiVersion: string, kind: 'call' | 'token', seconds: number): string {
  return (
    `{"error":{"code":"429","message": "Requests to the ${operation} Operation under Azure OpenAI API version ` +
    `${apiVersion} have exceeded ${kind} rate limit of your current OpenAI S0 pricing tier. Please retry after ` +
    `${seconds} second${seconds === 1 ? '' : 's'}. Please go here: https://aka.ms/oai/quotaincrease if you would ` +
    'like to further increase the default rate limit."}}'
  );
}

/** 400 for a prompt the content filter blocked; `results` is the `content_filter_result` JSON. */
export function promptFilteredBody(results: string): string {
  return (
    '{"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI\'s content management ' +
    'policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our ' +
    'documentation: https://go.microsoft.com/fwlink/?linkid=2198766","type":null,"param":"prompt",' +
    `"code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":${results}}}}`
  );
}

/** OpenAI's context-length error, which Azure passes through from the model. */
export function contextLengthExceeded(window: number, promptTokens: number, maxTokens: number | undefined): OpenAIError {
  const message =
    maxTokens === undefined
      ? `This model's maximum context length is ${window} tokens. However, your messages resulted in ${promptTokens} ` +
        'tokens. Please reduce the length of the messages.'
      : `This model's maximum context length is ${window} tokens. However, you requested ${promptTokens + maxTokens} ` +
        `tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the ` +
        'messages or completion.';
  return invalidRequest(message, 'messages', 'context_length_exceeded');
}

/** The Responses API's context-window error: it names no numbers, unlike chat's. */
export const INPUT_TOO_LONG = invalidRequest(
  'Your input exceeds the context window of this model. Please adjust your input and try again.',
  'input',
  'context_length_exceeded',
);

/** The model's 500, as Azure words it (with the request id). */
export function serverErrorBody(requestId: string): string {
  return JSON.stringify({
    error: {
      message:
        'The server had an error processing your request. Sorry about that! You can retry your request, or contact ' +
        'us through an Azure support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing ' +
        `this error. (Please include the request ID ${requestId} in your email.)`,
      type: 'server_error',
      param: null,
      code: null,
    },
  });
}

/** Sends a complete Azure error body with the base headers (plus `extra`). */
export function sendAzureError(exchange: Exchange, status: number, body: string, region: string, extra?: HeaderList): void {
  const headers = baseHeaders(exchange, JSON_CONTENT_TYPE, region);
  if (extra !== undefined) for (const value of extra) headers.push(value);
  exchange.send(status, headers, body);
}

/** A model error in OpenAI's shape, pretty-printed as the model sends it. */
export function modelErrorBody(failure: OpenAIError): string {
  return (
    JSON.stringify(
      { error: { message: failure.message, type: failure.type, param: failure.param, code: failure.code } },
      null,
      2,
    ) + '\n'
  );
}

/** The operation and api-version of a request, for a 429's message (`v1` on the v1 API without one). */
export function describeOperation(path: string, apiVersion: string | undefined): { operation: OperationName; apiVersion: string } {
  return {
    operation: path.endsWith('/embeddings')
      ? 'Embeddings_Create'
      : path.endsWith('/responses')
        ? 'Responses_Create'
        : 'ChatCompletions_Create',
    apiVersion: apiVersion ?? 'v1',
  };
}

/** The body for an injected `status=<code>` fault (`code=` replaces the error code). */
export function faultBody(fault: Fault, requestId: string, operation: OperationName, apiVersion: string, retryAfter: number): string {
  const status = fault.status;
  const azure = (code: string, message: string) => JSON.stringify({ error: { code: fault.code ?? code, message } });
  switch (status) {
    case 400:
      return azure('BadRequest', 'Invalid request (injected by the emulator).');
    case 401:
      return fault.code === undefined ? INVALID_KEY : azure('401', JSON.parse(INVALID_KEY).error.message);
    case 403:
      return azure('PermissionDenied', 'Principal does not have access to API/Operation.');
    case 404:
      return fault.code === undefined ? DEPLOYMENT_NOT_FOUND : azure('DeploymentNotFound', JSON.parse(DEPLOYMENT_NOT_FOUND).error.message);
    case 408:
      return azure('Timeout', 'The operation was timeout.');
    case 429: {
      const body = rateLimitBody(operation, apiVersion, 'call', retryAfter);
      return fault.code === undefined ? body : body.replace('"code":"429"', `"code":${JSON.stringify(fault.code)}`);
    }
    case 500: {
      if (fault.code === undefined) return serverErrorBody(requestId);
      const body = JSON.parse(serverErrorBody(requestId));
      body.error.code = fault.code;
      return JSON.stringify(body);
    }
    case 502:
      return azure('BadGateway', 'Bad gateway.');
    case 503:
      return azure('ServiceUnavailable', 'The service is temporarily unable to process your request. Please try again later.');
    case 504:
      return azure('GatewayTimeout', 'The operation was timeout.');
    default:
      return azure(String(status), `Request failed with status ${status} (injected by the emulator).`);
  }
}

/** Errors raised by the emulator itself (bad fault spec or marker, body too large, a bug). */
export function emulatorErrorBody(status: number, message: string): string {
  const code = status === 400 ? 'invalid_emulator_fault' : status === 413 ? 'request_too_large' : 'InternalServerError';
  return JSON.stringify({ error: { code, message } });
}
