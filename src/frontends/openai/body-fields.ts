/**
 * Checks of a JSON request body's fields shared by the OpenAI frontends (chat completions, the Responses API): every
 * refusal is an `invalid_request` GatewayError naming the field as the client wrote it (`param`).
 */
import { GatewayError } from '../../errors/index.ts';

export function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_request', message, { param });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A client's value as JSON for a message, cut short: a message names the value, it need not repeat all of it. */
export function shown(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= 64 ? json : `${json.slice(0, 64)}…`;
}

/** Configured model names are at most this long, so a longer one can match none (and is not repeated in full). */
export const maxModelNameLength = 256;

export function modelTooLong(): GatewayError {
  return invalid('model', `Invalid 'model': at most ${maxModelNameLength} characters (no configured model name is longer).`);
}

export function expectType(value: unknown, param: string, expected: string): never {
  throw invalid(param, `Invalid type for '${param}': expected ${expected}, but got ${typeName(value)}.`);
}

export function optionalNumber(body: Record<string, unknown>, param: string, minimum: number, maximum: number): number | undefined {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) expectType(value, param, 'a number');
  if (value < minimum || value > maximum) {
    throw invalid(param, `Invalid '${param}': ${value} is out of range; expected a number from ${minimum} to ${maximum}.`);
  }
  return value;
}

export function optionalInteger(body: Record<string, unknown>, param: string, minimum: number): number | undefined {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) expectType(value, param, 'an integer');
  if (value < minimum) throw invalid(param, `Invalid '${param}': ${value} is below the minimum of ${minimum}.`);
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, param: string): boolean | undefined {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') expectType(value, param, 'a boolean');
  return value;
}

export function optionalString(body: Record<string, unknown>, param: string): string | undefined {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') expectType(value, param, 'a string');
  return value;
}
