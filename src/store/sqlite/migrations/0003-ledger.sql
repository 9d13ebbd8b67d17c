-- The agreements ledger: one immutable row per request, its accruals beside it.
CREATE TABLE ledger_entries (
  request_id TEXT PRIMARY KEY,
  at INTEGER NOT NULL,
  tenant TEXT,
  key_id TEXT,
  model TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  stream INTEGER NOT NULL,
  provider TEXT,
  channel TEXT,
  upstream_model TEXT,
  status INTEGER NOT NULL,
  error_code TEXT,
  input_tokens INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL,
  cache_write_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  reasoning_tokens INTEGER NOT NULL,
  estimated INTEGER NOT NULL,
  cost_micros INTEGER NOT NULL,
  charged_micros INTEGER NOT NULL,
  currency TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  route TEXT
) STRICT;
CREATE INDEX ledger_entries_by_time ON ledger_entries (at, request_id);

CREATE TABLE ledger_accruals (
  request_id TEXT NOT NULL REFERENCES ledger_entries (request_id),
  agreement TEXT NOT NULL,
  party TEXT NOT NULL,
  micros INTEGER NOT NULL,
  cap_reached INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (request_id, agreement)
) STRICT;
CREATE INDEX ledger_accruals_by_time ON ledger_accruals (at);

-- INSERT OR REPLACE deletes the row it replaces without firing delete triggers: a second insert of a booked request
-- id (or accrual) is refused outright, so nothing can rewrite a row by replacing it.
CREATE TRIGGER ledger_entries_no_replace BEFORE INSERT ON ledger_entries
  WHEN EXISTS (SELECT 1 FROM ledger_entries WHERE request_id = NEW.request_id) BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER ledger_accruals_no_replace BEFORE INSERT ON ledger_accruals
  WHEN EXISTS (SELECT 1 FROM ledger_accruals WHERE request_id = NEW.request_id AND agreement = NEW.agreement) BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER ledger_accruals_no_update BEFORE UPDATE ON ledger_accruals BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
CREATE TRIGGER ledger_accruals_no_delete BEFORE DELETE ON ledger_accruals BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
