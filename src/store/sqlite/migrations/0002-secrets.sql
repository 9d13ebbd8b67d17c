-- Stored secrets: AES-256-GCM ciphertext (with its tag), the IV and the id of the master key that encrypted it. Never a
-- plaintext. The secret's name is the associated data, so a value moved to another row does not decrypt.

CREATE TABLE secrets (
  name        TEXT PRIMARY KEY,
  key_id      TEXT NOT NULL,
  iv          BLOB NOT NULL,
  ciphertext  BLOB NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
