-- Label names an admin defines before any contact carries them (POST /api/v1/labels), so a team
-- agrees on its labels' spelling from the first day. A defined name is one per account whatever
-- its case, as labels on contacts are (V33): adding "vip" to a contact writes the defined "VIP".
-- Renaming a label moves its definition and deleting it removes it (NameRoutes).
CREATE TABLE label_names (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX label_names_account_lower_key ON label_names (account_id, lower(name));
