-- Switchboard schema. Every business row carries account_id; every query filters on it.
-- Ids are bigint identities (rendered as strings in the API): compact keys and cheap cursors.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is STABLE; an IMMUTABLE wrapper lets it back an expression index.
CREATE OR REPLACE FUNCTION sb_fold(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, coalesce(t, ''))) $$;

CREATE TABLE accounts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id    bigint NOT NULL REFERENCES accounts(id),
  name          text NOT NULL,
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'agent')),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_account_idx ON users (account_id);

CREATE TABLE teams (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teams_account_idx ON teams (account_id);

CREATE TABLE team_members (
  team_id  bigint NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id  bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);

CREATE TABLE channels (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id       bigint NOT NULL REFERENCES accounts(id),
  platform         text NOT NULL CHECK (platform IN ('whatsapp', 'messenger', 'instagram')),
  name             text NOT NULL,
  external_id      text NOT NULL,
  access_token     text NOT NULL,
  waba_id          text,
  -- set when the Graph API says the token is expired or invalid (code 190)
  needs_attention  text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (platform, external_id)
);
CREATE INDEX channels_account_idx ON channels (account_id);

CREATE TABLE contacts (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id        bigint NOT NULL REFERENCES accounts(id),
  channel_id        bigint NOT NULL REFERENCES channels(id),
  platform_user_id  text NOT NULL,
  display_name      text,
  platform_name     text,
  phone             text,
  email             text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel_id, platform_user_id)
);
CREATE INDEX contacts_account_idx ON contacts (account_id);
CREATE INDEX contacts_platform_user_idx ON contacts (account_id, platform_user_id);
CREATE INDEX contacts_phone_idx ON contacts (account_id, phone) WHERE phone IS NOT NULL;
CREATE INDEX contacts_display_trgm ON contacts USING gin (sb_fold(display_name) gin_trgm_ops);
CREATE INDEX contacts_platform_name_trgm ON contacts USING gin (sb_fold(platform_name) gin_trgm_ops);

CREATE TABLE contact_fields (
  contact_id  bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  account_id  bigint NOT NULL,
  name        text NOT NULL,
  value       text NOT NULL,
  PRIMARY KEY (contact_id, name)
);
CREATE INDEX contact_fields_account_name_idx ON contact_fields (account_id, name);

CREATE TABLE contact_labels (
  contact_id  bigint NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  account_id  bigint NOT NULL,
  name        text NOT NULL,
  PRIMARY KEY (contact_id, name)
);
CREATE INDEX contact_labels_account_name_idx ON contact_labels (account_id, name);

CREATE TABLE conversations (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id        bigint NOT NULL REFERENCES accounts(id),
  channel_id        bigint NOT NULL REFERENCES channels(id),
  contact_id        bigint NOT NULL REFERENCES contacts(id),
  status            text NOT NULL DEFAULT 'closed' CHECK (status IN ('open', 'assigned', 'closed')),
  assignee_type     text CHECK (assignee_type IN ('agent', 'team')),
  assignee_id       bigint,
  -- newest activity (any message); the list is ordered by (last_message_at, id) DESC
  last_message_at   timestamptz NOT NULL DEFAULT now(),
  -- the customer's last inbound message: the reply window's clock (platform time, capped at receive time)
  last_inbound_at   timestamptz,
  unread_count      integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (channel_id, contact_id),
  CHECK ((status = 'assigned') = (assignee_type IS NOT NULL AND assignee_id IS NOT NULL))
);
CREATE INDEX conversations_list_idx ON conversations (account_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_status_list_idx ON conversations (account_id, status, last_message_at DESC, id DESC);
CREATE INDEX conversations_assignee_idx ON conversations (account_id, assignee_type, assignee_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_channel_idx ON conversations (channel_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_contact_idx ON conversations (contact_id);

-- who changed a conversation's status or assignee, when, from what, to what
CREATE TABLE conversation_history (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id          bigint NOT NULL,
  conversation_id     bigint NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  actor_type          text NOT NULL,            -- agent | bot | system
  actor_id            bigint,
  from_status         text,
  to_status           text,
  from_assignee_type  text,
  from_assignee_id    bigint,
  to_assignee_type    text,
  to_assignee_id      bigint,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_history_conv_idx ON conversation_history (conversation_id, id);

CREATE TABLE messages (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id          bigint NOT NULL,
  conversation_id     bigint NOT NULL REFERENCES conversations(id),
  channel_id          bigint NOT NULL REFERENCES channels(id),
  direction           text NOT NULL CHECK (direction IN ('in', 'out')),
  type                text NOT NULL CHECK (type IN ('incoming', 'reply', 'note', 'template', 'bot', 'echo')),
  content_type        text NOT NULL,
  text                text,
  attachments         jsonb NOT NULL DEFAULT '[]',
  raw                 jsonb,
  sender_type         text NOT NULL CHECK (sender_type IN ('contact', 'agent', 'bot', 'external')),
  sender_id           bigint,
  status              text CHECK (status IN ('received', 'pending', 'sent', 'delivered', 'read', 'failed')),
  error_code          text,
  error_message       text,
  external_id         text,
  reply_to            text,
  platform_timestamp  timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
-- exactly one row per platform message: redeliveries are ON CONFLICT DO NOTHING
CREATE UNIQUE INDEX messages_external_key ON messages (channel_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id);

-- every webhook body exactly as received, committed before Meta gets its 200
CREATE TABLE raw_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform     text NOT NULL,
  body         text NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  error        text,
  processed_at timestamptz
);
CREATE INDEX raw_events_pending_idx ON raw_events (id) WHERE status = 'pending';

-- events we could not route (unknown channel, ...): answered 200, kept with the reason
CREATE TABLE dead_letters (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  raw_event_id  bigint REFERENCES raw_events(id),
  platform      text NOT NULL,
  external_id   text,
  reason        text NOT NULL,
  payload       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE saved_replies (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id),
  title       text NOT NULL,
  content     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saved_replies_account_idx ON saved_replies (account_id);

CREATE TABLE flows (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id),
  position    integer NOT NULL DEFAULT 0,
  name        text NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  channel_id  bigint REFERENCES channels(id),
  trigger     jsonb NOT NULL,
  actions     jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX flows_account_idx ON flows (account_id, position, id);
