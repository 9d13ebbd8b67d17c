/**
 * `interchange keys …`, `interchange tenants …`, `interchange secrets …` and `interchange migrate`: the admin API from
 * the command line. The
 * gateway's address comes from `--gateway URL`, or from the configuration's `listen` (`--config FILE` or
 * `$INTERCHANGE_CONFIG`); the admin token from `$INTERCHANGE_ADMIN_TOKEN`. `--json` prints the API's JSON; without it,
 * a table. A secret is printed once, on creation and rotation.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { parse as parseYaml } from 'yaml';
import { ConfigError, loadConfigFile } from '../config/load-config.ts';
import { parseDuration } from '../config-schema/values.ts';
import { openSqlite } from '../store/sqlite/sqlite-database.ts';
import { parseCommandArgs, usageProblem } from './main.ts';

export const keysUsage = `Usage:
  interchange keys create --tenant T --name N [key options]      Create a key; prints its secret once.
  interchange keys list [--tenant T]
  interchange keys show ID
  interchange keys update ID [key options]
  interchange keys revoke ID
  interchange keys rotate ID [--grace 30s]                       A new secret; the old one works for the grace period.
  interchange tenants create --name N [--id ID] [--rpm N] [--tpm N] [--max-streams N]
  interchange tenants list
  interchange tenants update ID [--name N] [--rpm N] [--tpm N] [--max-streams N]
  interchange secrets set NAME [--from-file F | --from-env VAR]   Store a secret, encrypted (default: read from stdin).
  interchange secrets list                                       Names, master key ids and times (never values).
  interchange secrets delete NAME
  interchange secrets rotate                                     Re-encrypt every value under the current master key.
  interchange agreements list                                    Every agreement: the file's and the admin plane's.
  interchange agreements show NAME                               One, with what it accrued or spent so far.
  interchange agreements set NAME --from-file F                  Create or replace one (YAML or JSON, as the
                                                                 configuration writes an agreement); in force at once.
  interchange agreements delete NAME                             Remove one made through the admin plane.
  interchange migrate [--config FILE]                            Apply the store's migrations and exit.

Key options: --models a,b  --providers a,b  --regions a,b  --zero-retention  --rpm N  --tpm N  --max-streams N
             --expires-at 2027-01-01T00:00:00Z (or "never")  --team T  --metadata k=v,k=v
Every command: --gateway URL (default: the configuration's listen address, from --config FILE or
$INTERCHANGE_CONFIG), --json. The admin token is read from $INTERCHANGE_ADMIN_TOKEN.
`;

const common = {
  gateway: { type: 'string' },
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
} as const;

const limitOptions = {
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  'max-streams': { type: 'string' },
} as const;

const keyOptions = {
  ...limitOptions,
  tenant: { type: 'string' },
  name: { type: 'string' },
  team: { type: 'string' },
  models: { type: 'string' },
  providers: { type: 'string' },
  regions: { type: 'string' },
  'zero-retention': { type: 'boolean' },
  'expires-at': { type: 'string' },
  metadata: { type: 'string' },
  grace: { type: 'string' },
  'from-file': { type: 'string' },
  'from-env': { type: 'string' },
} as const;

class UsageError extends Error {}

export async function runKeys(args: string[]): Promise<number> {
  return runAdmin('keys', args, async (action, id, values, call) => {
    switch (action) {
      case 'create':
        return call('POST', '/admin/keys', { tenant: values.tenant, ...keyBody(values) }, 'key');
      case 'list':
        return call('GET', `/admin/keys${values.tenant === undefined ? '' : `?tenant=${encodeURIComponent(values.tenant)}`}`, undefined, 'keys');
      case 'show':
        return call('GET', `/admin/keys/${need(id)}`, undefined, 'key');
      case 'update':
        return call('PATCH', `/admin/keys/${need(id)}`, keyBody(values), 'key');
      case 'revoke':
        return call('POST', `/admin/keys/${need(id)}/revoke`, undefined, 'key');
      case 'rotate': {
        const grace = values.grace === undefined ? undefined : durationSeconds(values.grace, '--grace');
        return call('POST', `/admin/keys/${need(id)}/rotate`, grace === undefined ? {} : { grace_seconds: grace }, 'key');
      }
      default:
        throw new UsageError(`unknown action "${action ?? ''}"; expected create, list, show, update, revoke or rotate`);
    }
  });
}

export async function runTenants(args: string[]): Promise<number> {
  return runAdmin('tenants', args, async (action, id, values, call) => {
    const body = { ...(values.name === undefined ? {} : { name: values.name }), ...limits(values) };
    switch (action) {
      case 'create':
        return call('POST', '/admin/tenants', { ...(values.id === undefined ? {} : { id: values.id }), ...body }, 'tenant');
      case 'list':
        return call('GET', '/admin/tenants', undefined, 'tenants');
      case 'update':
        return call('PATCH', `/admin/tenants/${need(id)}`, body, 'tenant');
      default:
        throw new UsageError(`unknown action "${action ?? ''}"; expected create, list or update`);
    }
  });
}

/** A value never comes from the command line (which other users can see in the process list): stdin, a file or a variable. */
export async function runSecrets(args: string[]): Promise<number> {
  return runAdmin('secrets', args, async (action, name, values, call) => {
    switch (action) {
      case 'set': {
        const value = await secretValue(values);
        return call('PUT', `/admin/secrets/${need(name)}`, { value }, 'secret');
      }
      case 'list':
        return call('GET', '/admin/secrets', undefined, 'secrets');
      case 'delete':
        return call('DELETE', `/admin/secrets/${need(name)}`, undefined, 'secret');
      case 'rotate':
        return call('POST', '/admin/secrets/rotate', undefined, 'secret');
      default:
        throw new UsageError(`unknown action "${action ?? ''}"; expected set, list, delete or rotate`);
    }
  });
}

/** The file's agreements are changed in the file; these are the admin plane's own. */
export async function runAgreements(args: string[]): Promise<number> {
  return runAdmin('agreements', args, async (action, name, values, call) => {
    switch (action) {
      case 'list':
        return call('GET', '/admin/agreements', undefined, 'agreements');
      case 'show':
        return call('GET', `/admin/agreements/${need(name)}`, undefined, 'agreement');
      case 'set':
        return call('PUT', `/admin/agreements/${need(name)}`, await agreementDocument(values), 'agreement');
      case 'delete':
        return call('DELETE', `/admin/agreements/${need(name)}`, undefined, 'agreement');
      default:
        throw new UsageError(`unknown action "${action ?? ''}"; expected list, show, set or delete`);
    }
  });
}

/** An agreement as the configuration writes one, from `--from-file` (YAML, of which JSON is a part). */
async function agreementDocument(values: Values): Promise<unknown> {
  const file = values['from-file'];
  if (typeof file !== 'string') throw new UsageError('set needs --from-file F: the agreement as the configuration writes it, in YAML or JSON');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`--from-file: cannot read "${file}" (${error.code ?? 'unreadable'})`);
  });
  try {
    return parseYaml(text);
  } catch (error) {
    throw new UsageError(`--from-file: "${file}" is not YAML or JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

async function secretValue(values: Values): Promise<string> {
  const file = values['from-file'];
  const variable = values['from-env'];
  if (typeof file === 'string' && typeof variable === 'string') throw new UsageError('give --from-file or --from-env, not both');
  let text: string | undefined;
  if (typeof file === 'string') {
    text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`--from-file: cannot read "${file}" (${error.code ?? 'unreadable'})`);
    });
  } else if (typeof variable === 'string') {
    text = process.env[variable];
    if (text === undefined) throw new UsageError(`--from-env: ${variable} is not set`);
  } else {
    if (process.stdin.isTTY === true) throw new UsageError('pipe the value on stdin, or give --from-file F or --from-env VAR (never the value itself)');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    text = Buffer.concat(chunks).toString('utf8');
  }
  // As a ${file:…} reference reads it: a trailing newline is not part of a key.
  const value = text.trim();
  if (value === '') throw new UsageError('the value is empty');
  return value;
}

/** `interchange migrate`: opens the configured SQLite store, which applies any pending migration, and reports it. */
export async function runMigrate(args: string[]): Promise<number> {
  const { values } = parseCommandArgs('migrate', args, { config: { type: 'string', short: 'c' } });
  const file = values.config ?? process.env.INTERCHANGE_CONFIG;
  if (file === undefined || file === '') {
    process.stderr.write('interchange migrate: no configuration; pass --config FILE or set INTERCHANGE_CONFIG.\n');
    return 2;
  }
  const config = await loadConfigFile(file, undefined, 'unresolved').catch((error: unknown) => {
    if (error instanceof ConfigError) process.stderr.write(`interchange migrate: ${file} is not a valid configuration:\n${error.message}\n`);
    else throw error;
    return undefined;
  });
  if (config === undefined) return 1;
  if (config.store.kind !== 'sqlite') {
    process.stdout.write('The store is in memory: nothing to migrate.\n');
    return 0;
  }
  const { database, migration } = openSqlite(config.store.path);
  database.close();
  const applied = migration.applied.map((step) => `${String(step.version).padStart(4, '0')}-${step.name}`);
  process.stdout.write(
    applied.length === 0
      ? `${config.store.path}: at schema version ${migration.to}; nothing to apply.\n`
      : `${config.store.path}: schema version ${migration.from} → ${migration.to} (applied ${applied.join(', ')}).\n`,
  );
  return 0;
}

type Values = Record<string, string | boolean | undefined> & { tenant?: string; name?: string; id?: string; grace?: string };
type Shape = 'key' | 'keys' | 'tenant' | 'tenants' | 'secret' | 'secrets' | 'agreement' | 'agreements';
type Call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body: unknown, shape: Shape) => Promise<number>;

async function runAdmin(command: 'keys' | 'tenants' | 'secrets' | 'agreements', args: string[], act: (action: string | undefined, id: string | undefined, values: Values, call: Call) => Promise<number>): Promise<number> {
  const { values, positionals } = parseCommandArgs(command, args, { ...common, ...keyOptions, id: { type: 'string' } });
  const token = process.env.INTERCHANGE_ADMIN_TOKEN;
  if (token === undefined || token === '') {
    process.stderr.write(`interchange ${command}: set INTERCHANGE_ADMIN_TOKEN to an admin token (admin.tokens in the configuration).\n`);
    return 2;
  }
  try {
    const base = await gatewayUrl(values.gateway, values.config);
    const call: Call = async (method, path, body, shape) => {
      const response = await request(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await response.body.json()) as any;
      if (response.statusCode >= 400) {
        process.stderr.write(`interchange ${command}: ${response.statusCode} ${json?.error?.code ?? ''}: ${json?.error?.message ?? JSON.stringify(json)}\n`);
        return 1;
      }
      process.stdout.write(values.json === true ? `${JSON.stringify(json, null, 2)}\n` : render(json, shape));
      return 0;
    };
    return await act(positionals[0], positionals[1], values as Values, call);
  } catch (error) {
    if (error instanceof UsageError) throw usageProblem(command, error.message);
    const code = (error as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      process.stderr.write(`interchange ${command}: no gateway answers at the address (${(error as Error).message}); is it running? Pass --gateway URL.\n`);
      return 1;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`interchange ${command}: the configuration is not valid:\n${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

async function gatewayUrl(given: string | undefined, configFile: string | undefined): Promise<string> {
  if (given !== undefined) return given.replace(/\/+$/, '');
  const file = configFile ?? process.env.INTERCHANGE_CONFIG;
  if (file === undefined || file === '') throw new UsageError('no gateway address: pass --gateway URL, or --config FILE (or set INTERCHANGE_CONFIG) to use its listen address');
  const { listen } = await loadConfigFile(file, undefined, 'unresolved');
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`;
}

function need(id: string | undefined): string {
  if (id === undefined) throw new UsageError('this action needs an ID');
  return encodeURIComponent(id);
}

function list(value: string | boolean | undefined): string[] | null | undefined {
  if (typeof value !== 'string') return undefined;
  if (value === '' || value === 'any') return null;
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function count(value: string | boolean | undefined, flag: string): number | null | undefined {
  if (typeof value !== 'string') return undefined;
  if (value === 'none') return null;
  const number = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag}: expected a whole number above 0 (or "none"), got "${value}"`);
  return number;
}

function limits(values: Values): Record<string, number | null> {
  const result: Record<string, number | null> = {};
  for (const [flag, field] of [
    ['rpm', 'rpm'],
    ['tpm', 'tpm'],
    ['max-streams', 'max_streams'],
  ] as const) {
    const value = count(values[flag], `--${flag}`);
    if (value !== undefined) result[field] = value;
  }
  return result;
}

function keyBody(values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = { ...limits(values) };
  if (values.name !== undefined) body.name = values.name;
  if (typeof values.team === 'string') body.team = values.team === 'none' ? null : values.team;
  for (const field of ['models', 'providers', 'regions'] as const) {
    const value = list(values[field]);
    if (value !== undefined) body[field] = value;
  }
  if (values['zero-retention'] === true) body.zero_retention = true;
  const expires = values['expires-at'];
  if (typeof expires === 'string') body.expires_at = expires === 'never' ? null : expires;
  if (typeof values.metadata === 'string') {
    body.metadata = Object.fromEntries(
      values.metadata
        .split(',')
        .filter((pair) => pair.trim() !== '')
        .map((pair) => {
          const equals = pair.indexOf('=');
          if (equals <= 0) throw new UsageError(`--metadata: expected k=v pairs separated by commas, got "${pair}"`);
          return [pair.slice(0, equals).trim(), pair.slice(equals + 1).trim()];
        }),
    );
  }
  return body;
}

function durationSeconds(text: string, flag: string): number {
  let failed: string | undefined;
  const ms = parseDuration(text, (message) => {
    failed = message;
  });
  if (ms === undefined || failed !== undefined) throw new UsageError(`${flag}: ${failed ?? 'expected a duration such as 30s or 5m'}`);
  return Math.round(ms / 1000);
}

function render(json: any, shape: Shape): string {
  if (shape === 'key') {
    const lines = Object.entries(json)
      .filter(([field]) => field !== 'key')
      .map(([field, value]) => `${field.padEnd(21)} ${format(value)}`);
    if (typeof json.key === 'string') lines.push('', `key: ${json.key}`, 'Store it now: it is not shown again.');
    return `${lines.join('\n')}\n`;
  }
  if (shape === 'agreement') return `${Object.entries(json).map(([field, value]) => `${field.padEnd(15)} ${format(value)}`).join('\n')}\n`;
  if (shape === 'tenant' || shape === 'secret') return `${Object.entries(json).map(([field, value]) => `${field.padEnd(12)} ${format(value)}`).join('\n')}\n`;
  const rows: any[] = json.data;
  const columns =
    shape === 'keys'
      ? ['id', 'prefix', 'tenant', 'name', 'models', 'rpm', 'tpm', 'expires_at', 'revoked_at']
      : shape === 'secrets'
        ? ['name', 'key_id', 'created_at', 'updated_at']
        : shape === 'agreements'
          ? ['name', 'kind', 'source', 'party', 'in_force', 'accrued', 'spent', 'behind_pace']
          : ['id', 'name', 'rpm', 'tpm', 'max_streams', 'created_at'];
  const cells = [columns, ...rows.map((row) => columns.map((column) => format(row[column])))];
  const widths = columns.map((_, index) => Math.max(...cells.map((row) => row[index].length)));
  return `${cells.map((row) => row.map((cell, index) => cell.padEnd(widths[index])).join('  ').trimEnd()).join('\n')}\n`;
}

function format(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
