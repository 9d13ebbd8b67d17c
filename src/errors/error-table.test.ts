/**
 * The error reference (docs/errors.md) and the error table must not drift apart: every code documented, with its
 * status and type, and nothing documented that the table lacks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { errorTable } from './error-table.ts';

const reference = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = [...reference.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| `([a-z_]+)` \| (yes|no) \|/gm)].map((match) => ({
  code: match[1],
  status: Number(match[2]),
  type: match[3],
  retryable: match[4] === 'yes',
}));

describe('error table and docs/errors.md', () => {
  it('documents every code with its status, type and retryability', () => {
    const documented = new Map(rows.map((row) => [row.code, row]));
    for (const [code, definition] of Object.entries(errorTable)) {
      const row = documented.get(code);
      assert.ok(row, `docs/errors.md does not document ${code}`);
      assert.equal(row.status, definition.status, `${code} status`);
      assert.equal(row.type, definition.type, `${code} type`);
      assert.equal(row.retryable, definition.retryable, `${code} retryable`);
    }
  });

  it('documents no code the table lacks', () => {
    for (const row of rows) assert.ok(row.code in errorTable, `docs/errors.md documents unknown code ${row.code}`);
    assert.equal(rows.length, Object.keys(errorTable).length);
  });
});
