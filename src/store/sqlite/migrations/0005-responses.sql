-- Stored responses of the Responses API: the response, its input items and the conversation it closes, each as JSON
-- text. A NULL tenant is a caller without a key; reads compare the tenant with IS, so NULL matches only NULL. Expired
-- rows stay until a purge deletes them (by expires_at, hence the index); reads treat them as absent. No foreign key on
-- previous_id: a continuation outlives the response it continued when that one expires or is deleted first.

CREATE TABLE responses (
  id            TEXT PRIMARY KEY,
  tenant        TEXT,
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  previous_id   TEXT,
  response      TEXT NOT NULL,
  input_items   TEXT NOT NULL,
  conversation  TEXT NOT NULL
) STRICT;
CREATE INDEX responses_by_expiry ON responses (expires_at);
