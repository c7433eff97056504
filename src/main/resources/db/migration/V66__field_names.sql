-- Custom field names an admin defines before any contact has a value for them (POST
-- /api/v1/fields), so a new account's contact pane and saved-reply editor offer the team's fields
-- from the first day. Field names are exact, as on contacts (V1): "Plan" and "plan" are two
-- fields, since each feeds its own {{name}} placeholder. Renaming a field moves its definition and
-- deleting it removes it (NameRoutes).
CREATE TABLE field_names (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX field_names_account_name_key ON field_names (account_id, name);
