-- Retention (MEDIA_RETENTION_DAYS) counts from a blob's last use: stored, stored again (the
-- same bytes, kept once) or named by a message. media_refs says which message attachments name
-- which blob, so the sweep marks exactly those attachments expired before the blob goes.
ALTER TABLE media ADD COLUMN used_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX media_used_idx ON media (used_at) WHERE sha256 IS NOT NULL;

CREATE TABLE media_refs (
  message_id  bigint NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  idx         int NOT NULL,
  media_id    bigint NOT NULL REFERENCES media(id) ON DELETE CASCADE,
  PRIMARY KEY (message_id, idx)
);
CREATE INDEX media_refs_media_idx ON media_refs (media_id);

-- the attachments kept so far (media arrived with V41, so this reads few messages' attachments)
INSERT INTO media_refs (message_id, idx, media_id)
SELECT m.id, (x.o - 1)::int, (x.a ->> 'mediaId')::bigint
  FROM messages m
 CROSS JOIN LATERAL jsonb_array_elements(m.attachments) WITH ORDINALITY AS x(a, o)
 WHERE jsonb_array_length(m.attachments) > 0
   AND x.a ->> 'status' = 'ready' AND (x.a ->> 'mediaId') ~ '^[0-9]{1,18}$'
   AND EXISTS (SELECT 1 FROM media b WHERE b.id = (x.a ->> 'mediaId')::bigint AND b.account_id = m.account_id)
ON CONFLICT DO NOTHING;
