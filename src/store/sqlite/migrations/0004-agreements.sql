-- Agreements made through the admin plane (those in the configuration file stay there): each is the document as the
-- configuration would hold it, as JSON. The ledger keeps what each entry accrued by agreement name, so removing an
-- agreement here never changes a booked entry.

CREATE TABLE agreements (
  name        TEXT PRIMARY KEY,
  document    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
