/**
 * Bedrock's error responses: `{"message": "…"}` bodies (the auth layer's AccessDeniedException uses `Message`), the
 * status of each exception, and `x-amzn-errortype: <Exception>:<namespace>` as AWS sends it. Also the in-stream
 * exception frames of ConverseStream. Messages are the real service's where known (see docs/emulators/bedrock.md).
 */
import { randomUUID } from 'node:crypto';
import type { Exchange, Fault, HeaderList } from '../core/index.ts';
import { exceptionKind, type FrameKind } from './event-stream.ts';

/** Errors raised by Bedrock itself. */
export const BEDROCK_NAMESPACE = 'http://internal.amazon.com/coral/com.amazon.bedrock/';
/** Errors raised by AWS's request front end (authentication, signatures, unknown operations). */
export const CORAL_SERVICE_NAMESPACE = 'http://internal.amazon.com/coral/com.amazon.coral.service/';

export interface AwsError {
  readonly status: number;
  /** The exception name, e.g. `ValidationException`. */
  readonly type: string;
  readonly message: string;
  readonly namespace: string;
  /** The body's message key: `message`, or `Message` for the front end's AccessDeniedException. */
  readonly messageKey: 'message' | 'Message';
  /** More body members (e.g. `originalStatusCode` of a ModelErrorException). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

const kind = Symbol('aws-error');

export function awsError(
  status: number,
  type: string,
  message: string,
  namespace = BEDROCK_NAMESPACE,
  messageKey: 'message' | 'Message' = 'message',
  extra?: Record<string, unknown>,
): AwsError {
  return { status, type, message, namespace, messageKey, extra, [kind]: true } as AwsError;
}

export function isAwsError(value: unknown): value is AwsError {
  return typeof value === 'object' && value !== null && (value as { [kind]?: boolean })[kind] === true;
}

export function validationError(message: string): AwsError {
  return awsError(400, 'ValidationException', message);
}

/** Coral's constraint-violation wording, e.g. `Value '0' at 'inferenceConfig.maxTokens' failed to satisfy …`. */
export function constraintError(path: string, value: unknown, constraint: string): AwsError {
  let shown: string;
  if (value === null) shown = 'Value null at';
  else if (value === undefined) shown = 'Value at';
  else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') shown = `Value '${String(value)}' at`;
  else if (Array.isArray(value) && value.length === 0) shown = "Value '[]' at";
  else shown = 'Value at';
  return validationError(`1 validation error detected: ${shown} '${path}' failed to satisfy constraint: Member ${constraint}`);
}

// --- messages the real service uses -------------------------------------------------------------------------------

export const INVALID_MODEL = validationError('The provided model identifier is invalid.');
export const INPUT_TOO_LONG = validationError('Input is too long for requested model.');
export const MALFORMED_REQUEST = validationError('Malformed input request, please reformat your input and try again.');
export const THROTTLED_MESSAGE = 'Too many requests, please wait before trying again.';
export const THROTTLED = awsError(429, 'ThrottlingException', THROTTLED_MESSAGE);
export const UNKNOWN_OPERATION = awsError(404, 'UnknownOperationException', 'The requested operation is not recognized by the service.', CORAL_SERVICE_NAMESPACE);

/** Known exceptions: status and the message the service sends (or the documented cause). */
const EXCEPTIONS: Readonly<Record<string, { status: number; message: string }>> = {
  ValidationException: { status: 400, message: 'Malformed input request, please reformat your input and try again.' },
  AccessDeniedException: { status: 403, message: "You don't have access to the model with the specified model ID." },
  ResourceNotFoundException: { status: 404, message: 'The specified resource ARN was not found. Check the ARN and try your request again.' },
  ModelTimeoutException: { status: 408, message: 'Model has timed out in processing the request. Try your request again.' },
  ModelErrorException: { status: 424, message: 'The model encountered an error processing the request. Try your request again.' },
  ThrottlingException: { status: 429, message: THROTTLED_MESSAGE },
  ModelNotReadyException: {
    status: 429,
    message:
      'Model is not ready to serve inference requests. The AWS SDK will automatically retry the operation up to 5 times. ' +
      'For information about configuring automatic retries, see Retry behavior in the AWS SDKs and Tools reference guide.',
  },
  ServiceQuotaExceededException: {
    status: 400,
    message:
      'Your request exceeds the service quota for your account. You can view your quotas at Viewing service quotas. ' +
      'You can resubmit your request later.',
  },
  InternalServerException: { status: 500, message: 'The system encountered an unexpected error during processing. Try your request again.' },
  ServiceUnavailableException: { status: 503, message: 'Bedrock is unable to process your request.' },
};

/** The exception a bare `status=<code>` fault maps to. */
const EXCEPTION_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

function capitalized(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The error for an injected `status=<code>` fault; `code=` names the exception (`ModelNotReadyException`…). */
export function faultError(fault: Fault): AwsError {
  const status = fault.status;
  const type = fault.code !== undefined ? capitalized(fault.code) : (EXCEPTION_BY_STATUS[status] ?? (status < 500 ? 'ValidationException' : 'InternalServerException'));
  const known = EXCEPTIONS[type];
  const message =
    known !== undefined && (fault.code !== undefined || EXCEPTION_BY_STATUS[status] !== undefined)
      ? known.message
      : `Request failed with status ${status} (injected by the emulator).`;
  const extra = type === 'ModelErrorException' ? { originalStatusCode: 500, resourceName: 'emulator' } : undefined;
  return awsError(status, type, message, BEDROCK_NAMESPACE, 'message', extra);
}

function errorBody(error: AwsError): string {
  const body: Record<string, unknown> = { [error.messageKey]: error.message };
  if (error.extra !== undefined) Object.assign(body, error.extra);
  return JSON.stringify(body);
}

/** `content-type`, `x-amzn-requestid` (a UUID, like AWS's), and more. A fresh list the caller may append to. */
export function baseHeaders(contentType: string): HeaderList {
  return ['content-type', contentType, 'x-amzn-requestid', randomUUID()];
}

export function sendAwsError(exchange: Exchange, error: AwsError, extraHeaders?: readonly string[]): void {
  const headers = baseHeaders('application/json');
  headers.push('x-amzn-errortype', `${error.type}:${error.namespace}`);
  if (extraHeaders !== undefined) for (const value of extraHeaders) headers.push(value);
  exchange.send(error.status, headers, errorBody(error));
}

export function sendFaultError(exchange: Exchange, fault: Fault): void {
  const extra: string[] = [];
  if (fault.retryAfter !== undefined || fault.retryAfterMs !== undefined) {
    extra.push('retry-after', String(fault.retryAfter ?? Math.ceil((fault.retryAfterMs as number) / 1000)));
  }
  if (fault.retryAfterMs !== undefined) extra.push('retry-after-ms', String(fault.retryAfterMs));
  sendAwsError(exchange, faultError(fault), extra);
}

/** Errors raised by the emulator itself: a bad fault spec or marker (400), a body over the limit (413), a bug (500). */
export function emulatorError(status: number, message: string): AwsError {
  return status >= 500 ? awsError(status, 'InternalServerException', message) : awsError(status, 'ValidationException', message);
}

// --- in-stream exceptions ------------------------------------------------------------------------------------------

/** The exception events of the ConverseStream output union, with the payload each one carries. */
const STREAM_EXCEPTIONS: Readonly<Record<string, string>> = {
  modelStreamErrorException: JSON.stringify({
    message: 'The model stream was interrupted by an error. Try your request again.',
    originalMessage: 'Internal server error',
    originalStatusCode: 500,
  }),
  throttlingException: JSON.stringify({ message: THROTTLED_MESSAGE }),
  validationException: JSON.stringify({ message: 'Input is too long for requested model.' }),
  internalServerException: JSON.stringify({ message: EXCEPTIONS.InternalServerException.message }),
  serviceUnavailableException: JSON.stringify({ message: EXCEPTIONS.ServiceUnavailableException.message }),
};

export const STREAM_EXCEPTION_TYPES: readonly string[] = Object.keys(STREAM_EXCEPTIONS);
export const DEFAULT_STREAM_EXCEPTION = 'modelStreamErrorException';

const streamExceptionKinds = new Map<string, FrameKind>();
for (const type of STREAM_EXCEPTION_TYPES) streamExceptionKinds.set(type, exceptionKind(type));
const streamExceptionFrames = new Map<string, Buffer>();
for (const type of STREAM_EXCEPTION_TYPES) {
  streamExceptionFrames.set(type, (streamExceptionKinds.get(type) as FrameKind).frame(STREAM_EXCEPTIONS[type]));
}

/** The event-stream exception type a fault code names (`ThrottlingException` and `throttlingException` both work). */
export function streamExceptionType(code: string | undefined): string | undefined {
  if (code === undefined) return DEFAULT_STREAM_EXCEPTION;
  const type = code.charAt(0).toLowerCase() + code.slice(1);
  return streamExceptionFrames.has(type) ? type : undefined;
}

/** The complete exception frame for a type from `streamExceptionType`. */
export function streamExceptionFrame(type: string): Buffer {
  return streamExceptionFrames.get(type) as Buffer;
}
