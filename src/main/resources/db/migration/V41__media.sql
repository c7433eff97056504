-- Media kept by Switchboard. A blob is content-addressed per account: identical bytes stored
-- once per account (UNIQUE (account_id, sha256)); its bytes are rows of fixed-size chunks
-- (media_chunks), so reading and writing stream a chunk at a time whatever the file's size.
-- sha256 is NULL while a blob is being written (invisible to readers); it is set at the end.
CREATE TABLE media (
  id          bigserial PRIMARY KEY,
  account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  sha256      text,
  size        bigint NOT NULL DEFAULT 0,
  mime_type   text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX media_account_sha_idx ON media (account_id, sha256) WHERE sha256 IS NOT NULL;

CREATE TABLE media_chunks (
  media_id  bigint NOT NULL REFERENCES media(id) ON DELETE CASCADE,
  seq       int NOT NULL,
  data      bytea NOT NULL,
  PRIMARY KEY (media_id, seq)
);

-- The media fetch queue: one row per attachment of an inbound message to download. The
-- processor inserts the rows in its transaction; every node's fetcher claims due rows with a
-- lease (claimed_by, claim_expires_at) and records the result with the message's update.
CREATE TABLE media_fetches (
  id                bigserial PRIMARY KEY,
  account_id        bigint NOT NULL,
  message_id        bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  idx               int NOT NULL,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts          int NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  claimed_by        text,
  claim_expires_at  timestamptz,
  error             text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (message_id, idx)
);
CREATE INDEX media_fetches_due_idx ON media_fetches (next_attempt_at) WHERE status = 'pending';
