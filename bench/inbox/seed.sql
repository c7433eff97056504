-- Seeds one account with 1,000,000 contacts and conversations and 5,000,000 messages.
-- psql -v account=<accountId> -v contacts=1000000 -v per=5 -f seed.sql
-- Deterministic (setseed); runs on the schema the node migrated. The pg_trgm index is
-- dropped during the load and rebuilt after (same definition as V20), which is much faster.
\set ON_ERROR_STOP on
\timing on
SELECT setseed(0.42);

INSERT INTO channels (account_id, platform, name, external_id, access_token, waba_id)
VALUES (:account, 'whatsapp', 'Bench WhatsApp', 'bench-wa-' || :account, 'bench-token', 'bench-waba'),
       (:account, 'messenger', 'Bench Messenger', 'bench-fb-' || :account, 'bench-token', NULL),
       (:account, 'instagram', 'Bench Instagram', 'bench-ig-' || :account, 'bench-token', NULL)
ON CONFLICT DO NOTHING;

INSERT INTO users (account_id, name, email, password_hash, role)
SELECT :account, 'Bench Agent ' || g, 'bench-agent-' || g || '-' || :account || '@bench.test', 'pbkdf2-sha256$1$AAAA$AAAA', 'agent'
  FROM generate_series(1, 20) g
ON CONFLICT DO NOTHING;
INSERT INTO teams (account_id, name) SELECT :account, 'Bench Team ' || g FROM generate_series(1, 5) g;

CREATE TEMP TABLE bench_ch AS
SELECT (array_agg(id ORDER BY platform = 'whatsapp' DESC, platform = 'messenger' DESC))::bigint[] AS ids
  FROM channels WHERE account_id = :account AND external_id LIKE 'bench-%';
CREATE TEMP TABLE bench_agents AS SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE account_id = :account AND email LIKE 'bench-agent-%';
CREATE TEMP TABLE bench_teams AS SELECT array_agg(id ORDER BY id) AS ids FROM teams WHERE account_id = :account AND name LIKE 'Bench Team %';

DROP INDEX IF EXISTS contacts_search_name_trgm;

-- names: 64 first names (some accented) x 40^3 synthetic surnames, so a surname matches ~15 people
CREATE TEMP TABLE bench_names AS
SELECT ARRAY['José','María','Ana','Peter','Mina','Zoë','Chloé','Björn','Ingrid','Łukasz','Søren','Renée','Ahmed','Fatima','Wei','Yuki',
             'Olga','Ivan','Lucía','Mateo','Sofía','Noah','Emma','Liam','Olivia','Lucas','Mia','Hugo','Léa','Jonas','Elif','Mehmet',
             'Aisha','Omar','Priya','Arjun','Chen','Hana','Kenji','Sara','David','Laura','Pablo','Marta','Nina','Tomás','Inés','Raúl',
             'Kofi','Ama','Chidi','Ngozi','Tariq','Leila','Dmitri','Anya','Giulia','Marco','Elena','Stefan','Nora','Erik','Freya','Oskar'] AS first,
       ARRAY['ka','lo','mi','ra','se','to','vu','ne','pa','di','go','ha','ji','ku','le','mo','na','or','pe','qu',
             'ri','su','ta','um','ve','wa','xi','yo','za','be','ce','da','fe','gi','hu','ik','jo','ké','lü','ño'] AS syl;

INSERT INTO contacts (account_id, channel_id, platform_user_id, display_name, platform_name, phone, created_at)
SELECT :account, ch.ids[1 + i % 3],
       CASE i % 3 WHEN 0 THEN (5511900000000 + i)::text
                  WHEN 1 THEN (7000000000000000 + i)::text
                  ELSE (17841400000000000 + i)::text END,
       CASE WHEN r1 < 0.5 THEN NULL ELSE n.first[1 + (i * 7) % 64] || ' ' || initcap(surname) END,
       CASE WHEN i % 3 = 2 AND r1 < 0.3 THEN lower(n.first[1 + (i * 7) % 64]) || '.' || surname
            ELSE n.first[1 + (i * 7) % 64] || ' ' || initcap(surname) END,
       CASE WHEN i % 3 = 0 THEN (5511900000000 + i)::text END,
       now() - interval '120 days'
  FROM (SELECT i, random() AS r1,
               (SELECT syl[1 + (i * 31) % 40] || syl[1 + (i * 17 / 3) % 40] || syl[1 + (i * 13 / 7) % 40] FROM bench_names) AS surname
          FROM generate_series(1, :contacts) i) s, bench_ch ch, bench_names n;

INSERT INTO conversations (account_id, channel_id, contact_id, status, assignee_type, assignee_id, last_message_at, last_inbound_at, unread_count, created_at)
SELECT :account, c.channel_id, c.id,
       CASE WHEN r < 0.2 THEN 'open' WHEN r < 0.4 THEN 'assigned' ELSE 'closed' END,
       CASE WHEN r >= 0.2 AND r < 0.3 THEN 'agent' WHEN r >= 0.3 AND r < 0.4 THEN 'team' END,
       CASE WHEN r >= 0.2 AND r < 0.3 THEN a.ids[1 + (c.id % 20)::int] WHEN r >= 0.3 AND r < 0.4 THEN t.ids[1 + (c.id % 5)::int] END,
       lm, lm - interval '1 minute', (c.id % 4)::int, now() - interval '120 days'
  FROM (SELECT id, channel_id, random() AS r, now() - random() * interval '90 days' AS lm
          FROM contacts WHERE account_id = :account) c, bench_agents a, bench_teams t;

INSERT INTO contact_labels (contact_id, account_id, name)
SELECT id, :account, CASE WHEN id % 100 < 5 THEN 'vip' WHEN id % 100 = 5 THEN 'wholesale' ELSE 'rare' END
  FROM contacts WHERE account_id = :account AND (id % 100 <= 5 OR id % 1000 = 999);
INSERT INTO contact_fields (contact_id, account_id, name, value)
SELECT id, :account, 'order num', (id * 37 % 100000000)::text FROM contacts WHERE account_id = :account AND id % 10 = 0;

-- :per messages per conversation, the last one at last_message_at; customer and agent take turns,
-- so about half of the conversations end with the customer's message (they need a reply)
INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, created_at)
SELECT :account, cv.id, cv.channel_id,
       CASE WHEN (k + cv.id) % 2 = 1 THEN 'in' ELSE 'out' END,
       CASE WHEN (k + cv.id) % 2 = 1 THEN 'incoming' ELSE 'reply' END,
       'text',
       CASE WHEN (k + cv.id) % 2 = 1 THEN 'Hello, I have a question about order ' || (cv.id * k % 100000) || ', can you help?'
            ELSE 'Sure, let me check order ' || (cv.id * k % 100000) || ' for you.' END,
       CASE WHEN (k + cv.id) % 2 = 1 THEN 'contact' ELSE 'agent' END,
       CASE WHEN (k + cv.id) % 2 = 1 THEN 'received' ELSE 'read' END,
       cv.last_message_at - (:per - k) * interval '3 minutes'
  FROM conversations cv, generate_series(1, :per) k
 WHERE cv.account_id = :account;

-- the work queue's columns as the write paths keep them (V47; default windows: WhatsApp 24 h,
-- Messenger and Instagram 7 days for humans), and 1 % of the open conversations snoozed
UPDATE conversations cv
   SET needs_reply = true,
       reply_deadline = CASE WHEN ch.platform = 'whatsapp' THEN cv.last_inbound_at + interval '24 hours'
                             ELSE cv.last_inbound_at + interval '7 days' END
  FROM channels ch
 WHERE ch.id = cv.channel_id AND cv.account_id = :account
   AND (SELECT m.direction = 'in' FROM messages m WHERE m.conversation_id = cv.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1);
UPDATE conversations SET snoozed_until = now() + (1 + id % 30) * interval '1 day'
 WHERE account_id = :account AND status = 'open' AND id % 20 = 7;

CREATE INDEX contacts_search_name_trgm ON contacts USING gin (search_name gin_trgm_ops);
VACUUM ANALYZE contacts;
VACUUM ANALYZE conversations;
VACUUM ANALYZE messages;
VACUUM ANALYZE contact_labels;
VACUUM ANALYZE contact_fields;
SELECT (SELECT count(*) FROM contacts WHERE account_id = :account) AS contacts,
       (SELECT count(*) FROM conversations WHERE account_id = :account) AS conversations,
       (SELECT count(*) FROM messages WHERE account_id = :account) AS messages;
