-- Tenants, their virtual keys (hash and public prefix only, never the secret) and the audit trail of admin actions.
-- Limits, policies and metadata are JSON objects: read whole into the in-memory key directory, never queried per field.

CREATE TABLE tenants (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  limits      TEXT NOT NULL,
  metadata    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id                    TEXT PRIMARY KEY,
  prefix                TEXT NOT NULL,
  hash                  TEXT NOT NULL,
  tenant_id             TEXT NOT NULL REFERENCES tenants (id),
  team                  TEXT,
  name                  TEXT NOT NULL,
  policy                TEXT NOT NULL,
  limits                TEXT NOT NULL,
  metadata              TEXT NOT NULL,
  expires_at            INTEGER,
  revoked_at            INTEGER,
  previous_hash         TEXT,
  previous_valid_until  INTEGER,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  before  TEXT,
  after   TEXT
);
