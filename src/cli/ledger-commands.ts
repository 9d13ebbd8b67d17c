/**
 * `interchange ledger statement|entries`: the ledger read straight from the configuration's store, not through the
 * gateway, so it answers while the gateway is down (and beside a running one: SQLite's WAL lets a reader in while the
 * gateway writes).
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfigFile, withAdminAgreements } from '../config/load-config.ts';
import type { GatewayConfig } from '../config/types.ts';
import { buildStatement, entriesText, entryJson, resolveRange, resolveStatementPeriod, statementCsv, statementJson, statementText, type PeriodProblem } from '../metering/statement.ts';
import { maximumPageSize, type LedgerEntry, type LedgerStore } from '../store/ledger-store.ts';
import { openStore } from '../store/open-store.ts';
import { parseCommandArgs, suggestion, usageProblem, type CommandLineOutput } from './main.ts';

export const ledgerUsage = `Usage:
  interchange ledger statement [--config FILE] [--from D] [--to D] [--by G] [--json | --csv]
  interchange ledger entries [--config FILE] [--from D] [--to D] [--request-id ID] [--limit N] [--json]

Reads the ledger in the configuration's store directly: it works while the gateway is down. FILE defaults to
$INTERCHANGE_CONFIG.

  --from D, --to D   A day YYYY-MM-DD (00:00 UTC) or an ISO 8601 time (UTC unless it has an offset). --to is
                     excluded: --from 2026-03-01 --to 2026-04-01 is March. A statement runs by default from the
                     first day of the current UTC month to now; entries are not bounded by default.
  --by G             Statement rows by party, provider, channel, tenant, key or model (default model).
  --json             statement: the report as JSON, amounts in micro-units and formatted.
                     entries: one JSON object a line.
  --csv              statement: the rows as CSV (one header row).
  --request-id ID    entries: only this request's.
  --limit N          entries: at most N (default: every one).
`;

const options = {
  config: { type: 'string', short: 'c' },
  from: { type: 'string' },
  to: { type: 'string' },
  by: { type: 'string' },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  'request-id': { type: 'string' },
  limit: { type: 'string' },
} as const;

const actions = ['statement', 'entries'];

/** `output`: where the report and problems with the store go. */
export async function runLedger(args: string[], output: CommandLineOutput = process): Promise<number> {
  const { values, positionals } = parseCommandArgs('ledger', args, options);
  const [action, ...extra] = positionals;
  if (action === undefined) throw usageProblem('ledger', 'expected an action: statement or entries');
  if (!actions.includes(action)) throw usageProblem('ledger', `unknown action "${action}"; expected statement or entries${suggestion(action, actions, '')}`);
  if (extra.length > 0) throw usageProblem('ledger', `unexpected argument "${extra[0]}"`);
  const notFor = (flags: readonly (keyof typeof options)[]) => {
    const given = flags.find((flag) => values[flag] !== undefined);
    if (given !== undefined) throw usageProblem('ledger', `--${given} is not an option of ledger ${action}`);
  };
  const problem = (found: PeriodProblem) => usageProblem('ledger', `--${found.parameter}: ${found.message}`);

  let work: (ledger: LedgerStore, config: GatewayConfig) => Promise<void>;
  if (action === 'statement') {
    notFor(['request-id', 'limit']);
    if (values.json === true && values.csv === true) throw usageProblem('ledger', 'give --json or --csv, not both');
    const period = resolveStatementPeriod(values, Date.now());
    if ('parameter' in period) throw problem(period);
    work = async (ledger, config) => {
      const report = await buildStatement(ledger, config, period);
      output.stdout.write(values.json === true ? `${JSON.stringify(statementJson(report), null, 2)}\n` : values.csv === true ? statementCsv(report) : statementText(report));
    };
  } else {
    notFor(['by', 'csv']);
    const range = resolveRange(values);
    if ('parameter' in range) throw problem(range);
    const limit = values.limit === undefined ? Infinity : wholeNumber(values.limit);
    if (limit === undefined) throw usageProblem('ledger', `--limit: expected a whole number of 1 or more, got "${values.limit}"`);
    work = async (ledger) => {
      const table: LedgerEntry[] = [];
      let left = limit;
      let cursor: string | undefined;
      // Each page holds at least one entry and the cursor only moves forward, so this ends with the ledger (or the limit).
      do {
        const page = await ledger.entries({ ...range, requestId: values['request-id'], cursor, limit: Math.min(maximumPageSize, left) });
        if (values.json === true) {
          if (page.entries.length > 0) output.stdout.write(page.entries.map((entry) => `${JSON.stringify(entryJson(entry))}\n`).join(''));
        } else table.push(...page.entries);
        left -= page.entries.length;
        cursor = page.entries.length === 0 ? undefined : page.next;
      } while (cursor !== undefined && left > 0);
      if (values.json !== true) output.stdout.write(table.length === 0 ? 'No entries.\n' : entriesText(table));
    };
  }

  const file = values.config ?? process.env.INTERCHANGE_CONFIG;
  if (file === undefined || file === '') throw usageProblem('ledger', 'no configuration; pass --config FILE or set INTERCHANGE_CONFIG');
  const fail = (message: string) => {
    output.stderr.write(`interchange ledger: ${message}\n`);
    return 1;
  };
  let config: GatewayConfig;
  try {
    config = await loadConfigFile(file, undefined, 'unresolved');
  } catch (error) {
    if (error instanceof ConfigError) return fail(`${file} is not a valid configuration:\n${error.message}`);
    throw error;
  }
  if (config.store.kind !== 'sqlite') return fail('the store is in memory (store.kind: memory): its ledger lives and ends with the gateway process; nothing to read.');
  // Opening would create an empty file: a mistyped path is reported, not answered with an empty ledger.
  if (!existsSync(config.store.path)) return fail(`no store at ${config.store.path} (store.path): has a gateway run with this configuration?`);
  let opened;
  try {
    opened = openStore(config.store);
  } catch (error) {
    return fail(`cannot open the store at ${config.store.path}: ${(error as Error).message}`);
  }
  try {
    // The statement owes what the admin plane's agreements accrued too.
    try {
      config = withAdminAgreements(config, await opened.agreements.listAgreements());
    } catch (error) {
      if (error instanceof ConfigError) return fail(`agreements made through the admin plane do not fit ${file}:\n${error.message}`);
      throw error;
    }
    await work(opened.ledger, config);
    return 0;
  } finally {
    await opened.close();
  }
}

function wholeNumber(text: string): number | undefined {
  const number = Number(text.replaceAll('_', ''));
  return text.trim() !== '' && Number.isSafeInteger(number) && number >= 1 ? number : undefined;
}
