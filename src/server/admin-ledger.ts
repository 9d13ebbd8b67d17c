/**
 * The ledger on the admin plane: `GET /admin/ledger/statement?from=&to=&by=` (the report `interchange ledger statement
 * --json` prints) and `GET /admin/ledger/entries?from=&to=&request_id=&cursor=&limit=` (a page of entries and the
 * cursor of the next). The admin API checks the admin token before it hands a request here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from '../errors/index.ts';
import { buildStatement, entryJson, resolveRange, resolveStatementPeriod, statementJson, type PeriodProblem, type StatementConfig } from '../metering/statement.ts';
import { decodeCursor, maximumPageSize, type LedgerStore } from '../store/ledger-store.ts';
import { sendError, sendJson } from './respond.ts';

/**
 * Answers `segments` (the path under `/admin/`, decoded; the first is `ledger`). `ledger` is undefined when the gateway
 * books no ledger. Resolves once the answer is sent; rejects only on a fault of the store (an internal error).
 */
export async function handleLedgerAdmin(
  ledger: LedgerStore | undefined,
  config: StatementConfig,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  segments: readonly string[],
  query: URLSearchParams,
): Promise<void> {
  try {
    const body = await answer(ledger, config, request.method, segments, query);
    sendJson(response, 200, JSON.stringify(body), ['x-request-id', requestId, 'cache-control', 'no-store']);
  } catch (error) {
    if (!isGatewayError(error)) throw error;
    sendError(response, error, requestId);
  }
}

async function answer(ledger: LedgerStore | undefined, config: StatementConfig, method: string | undefined, segments: readonly string[], query: URLSearchParams): Promise<unknown> {
  const action = segments.length === 2 ? segments[1] : undefined;
  if (action !== 'statement' && action !== 'entries') throw new GatewayError('not_found', `No route for ${method} /admin/${segments.join('/')}; the ledger has /admin/ledger/statement and /admin/ledger/entries.`);
  if (method !== 'GET') throw new GatewayError('method_not_allowed', 'Method not allowed; use GET.', { headers: { allow: 'GET' } });
  if (ledger === undefined) throw new GatewayError('not_found', 'The ledger is off on this gateway (metering.ledger: false, or no store keeps it): there are no entries and no statements.');
  const given = (name: string) => query.get(name) ?? undefined;
  if (action === 'statement') {
    const period = resolveStatementPeriod({ from: given('from'), to: given('to'), by: given('by') }, Date.now());
    if ('parameter' in period) throw invalid(period);
    return statementJson(await buildStatement(ledger, config, period));
  }
  const range = resolveRange({ from: given('from'), to: given('to') });
  if ('parameter' in range) throw invalid(range);
  const limitText = given('limit');
  const limit = limitText === undefined ? undefined : Number(limitText);
  if (limit !== undefined && (limitText!.trim() === '' || !Number.isInteger(limit) || limit < 1 || limit > maximumPageSize)) {
    throw new GatewayError('invalid_request', `"limit" must be a whole number from 1 to ${maximumPageSize}.`, { param: 'limit' });
  }
  const cursor = given('cursor');
  if (cursor !== undefined && decodeCursor(cursor) === undefined) {
    throw new GatewayError('invalid_request', '"cursor" is not one this gateway made: pass a page\'s next_cursor as it came.', { param: 'cursor' });
  }
  const requestId = given('request_id');
  if (requestId === '') throw new GatewayError('invalid_request', '"request_id" must not be empty.', { param: 'request_id' });
  const page = await ledger.entries({ ...range, requestId, cursor, limit });
  return { object: 'list', data: page.entries.map(entryJson), next_cursor: page.next ?? null };
}

function invalid(problem: PeriodProblem): GatewayError {
  return new GatewayError('invalid_request', `"${problem.parameter}": ${problem.message}.`, { param: problem.parameter });
}
