/**
 * The admin plane under `/admin/`: tenants, keys, stored secrets, agreements, the ledger, the audit log and the recent
 * route traces. Every route needs an
 * admin token from the configuration (`admin.tokens`), sent as `Authorization: Bearer <token>`; the token's name is
 * the actor the audit log records. Tokens are compared as SHA-256 digests in constant time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, isGatewayError } from '../errors/index.ts';
import type { RecentRoute } from '../observability/recent-routes.ts';
import type { GatewayContext } from './gateway-context.ts';
import { handleLedgerAdmin } from './admin-ledger.ts';
import { decodePathSegment, malformedPath } from './path-segments.ts';
import { adminTokenName } from './admin-tokens.ts';
import { readJsonBody } from './read-json-body.ts';
import { sendError, sendJson } from './respond.ts';

const maxAdminBodyBytes = 64 * 1024;
const noStore = ['cache-control', 'no-store'];

/** The name of the admin token the request carries, or undefined. */
function adminActor(context: GatewayContext, request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string' || authorization.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return adminTokenName(context.adminTokens, authorization.slice(7).trim());
}

export function handleAdmin(context: GatewayContext, request: IncomingMessage, response: ServerResponse, requestId: string, path: string, query: URLSearchParams): void {
  const headers = () => ['x-request-id', requestId, ...noStore];
  const fail = (error: unknown) => {
    if (isGatewayError(error)) return sendError(response, error, requestId);
    context.logger.error({ err: error, requestId }, 'admin request failed');
    sendError(response, new GatewayError('internal_error', `Internal error; please report request id ${requestId}.`), requestId);
  };
  const actor = adminActor(context, request);
  if (actor === undefined) {
    const message =
      context.adminTokens.length === 0
        ? 'The admin plane is disabled: no admin token is configured (admin.tokens).'
        : 'An admin token is required: send "Authorization: Bearer <admin token>".';
    return sendError(response, new GatewayError('invalid_admin_token', message), requestId);
  }
  const respond = (status: number, body: unknown) => sendJson(response, status, JSON.stringify(body), headers());
  const list = (data: unknown[]) => respond(200, { object: 'list', data });
  const run = (work: () => Promise<void>) => void work().catch(fail);
  const body = () => (request.method === 'POST' || request.method === 'PATCH' || request.method === 'PUT' ? readJsonBody(request, maxAdminBodyBytes).catch(emptyBodyAsNothing) : Promise.resolve(undefined));
  const method = request.method;
  const segments = path.slice('/admin/'.length).split('/').map(decodePathSegment);
  if (!segments.every((segment) => segment !== undefined)) return sendError(response, malformedPath(path), requestId);
  const admin = context.identity.admin;
  const allow = (allowed: string) => {
    response.setHeader('allow', allowed);
    sendError(response, new GatewayError('method_not_allowed', `Method not allowed; use ${allowed}.`), requestId);
  };

  switch (segments[0]) {
    case 'routes': {
      if (method !== 'GET') return allow('GET');
      if (segments.length === 1) {
        const limit = Math.max(1, Math.min(1000, Number(query.get('limit') ?? 50) || 50));
        return list(context.recentRoutes.list(limit).map(presentRoute));
      }
      const found = segments.length === 2 ? context.recentRoutes.find(segments[1]) : undefined;
      if (found === undefined) return sendError(response, new GatewayError('not_found', 'No recent route trace for that request id.'), requestId);
      return respond(200, presentRoute(found));
    }
    case 'tenants':
      if (segments.length === 1) {
        if (method === 'GET') return run(async () => list(await admin.listTenants()));
        if (method === 'POST') return run(async () => respond(201, await admin.createTenant(actor, await body())));
        return allow('GET, POST');
      }
      if (segments.length === 2) {
        if (method === 'GET') return run(async () => respond(200, await admin.getTenant(segments[1])));
        if (method === 'PATCH') return run(async () => respond(200, await admin.updateTenant(actor, segments[1], await body())));
        return allow('GET, PATCH');
      }
      break;
    case 'keys':
      if (segments.length === 1) {
        if (method === 'GET') return run(async () => list(await admin.listKeys(query.get('tenant') ?? undefined)));
        if (method === 'POST') return run(async () => respond(201, await admin.createKey(actor, await body())));
        return allow('GET, POST');
      }
      if (segments.length === 2) {
        if (method === 'GET') return run(async () => respond(200, await admin.getKey(segments[1])));
        if (method === 'PATCH') return run(async () => respond(200, await admin.updateKey(actor, segments[1], await body())));
        return allow('GET, PATCH');
      }
      if (segments.length === 3 && segments[2] === 'revoke') {
        if (method === 'POST') return run(async () => respond(200, await admin.revokeKey(actor, segments[1])));
        return allow('POST');
      }
      if (segments.length === 3 && segments[2] === 'rotate') {
        if (method === 'POST') return run(async () => respond(200, await admin.rotateKey(actor, segments[1], await body())));
        return allow('POST');
      }
      break;
    case 'secrets': {
      const secrets = context.secrets;
      if (secrets === undefined) break;
      if (segments.length === 1) {
        if (method === 'GET') return run(async () => list(await secrets.list()));
        return allow('GET');
      }
      if (segments.length === 2 && segments[1] === 'rotate') {
        if (method === 'POST') return run(async () => respond(200, await secrets.rotate(actor)));
        return allow('POST');
      }
      if (segments.length === 2) {
        if (method === 'PUT') {
          return run(async () => {
            const { created, view } = await secrets.put(actor, segments[1], await body().catch(withoutQuotedBody));
            respond(created ? 201 : 200, view);
          });
        }
        if (method === 'DELETE') return run(async () => respond(200, await secrets.delete(actor, segments[1])));
        return allow('PUT, DELETE');
      }
      break;
    }
    case 'agreements': {
      const agreements = context.agreements;
      if (agreements === undefined) break;
      if (segments.length === 1) {
        if (method === 'GET') return list(agreements.list());
        return allow('GET');
      }
      if (segments.length === 2) {
        if (method === 'GET') return run(async () => respond(200, agreements.get(segments[1])));
        if (method === 'PUT') {
          return run(async () => {
            const { created, view } = await agreements.put(actor, segments[1], await body());
            respond(created ? 201 : 200, view);
          });
        }
        if (method === 'DELETE') return run(async () => respond(200, await agreements.remove(actor, segments[1])));
        return allow('GET, PUT, DELETE');
      }
      break;
    }
    case 'ledger':
      return run(() => handleLedgerAdmin(context.metering.ledger, context.config, request, response, requestId, segments, query));
    case 'audit':
      if (segments.length !== 1) break;
      if (method !== 'GET') return allow('GET');
      return run(async () => {
        const after = Number(query.get('after') ?? 0);
        const limit = Number(query.get('limit') ?? 100);
        if (!Number.isInteger(after) || after < 0) throw new GatewayError('invalid_request', '"after" must be an audit entry id (a whole number).', { param: 'after' });
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new GatewayError('invalid_request', '"limit" must be a whole number from 1 to 1000.', { param: 'limit' });
        const entries = await context.identity.store.listAudit({ after, limit });
        list(entries.map((entry) => ({ ...entry, at: new Date(entry.at).toISOString() })));
      });
  }
  sendError(response, new GatewayError('not_found', `No route for ${method} ${path}.`), requestId);
}

/** An admin POST may come without a body (revoke, rotate with defaults). */
function emptyBodyAsNothing(error: unknown): undefined {
  if (isGatewayError(error) && error.code === 'invalid_json' && error.message.includes('empty')) return undefined;
  throw error;
}

/** V8's JSON errors quote the text around the fault, which in a secret's body is the secret: only the position stays. */
function withoutQuotedBody(error: unknown): never {
  if (!isGatewayError(error) || error.code !== 'invalid_json' || error.message.includes('empty')) throw error;
  const position = /position \d+/.exec(error.message)?.[0];
  throw new GatewayError('invalid_json', `The request body is not valid JSON${position === undefined ? '' : ` (at ${position})`}; expected { "value": "…" }.`);
}

function presentRoute(entry: RecentRoute): object {
  return { ...entry, at: new Date(entry.at).toISOString() };
}
