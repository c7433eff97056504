-- Seeds one account with 1,000,000 contacts and conversations and 5,000,000 messages.
-- psql -v account=<accountId> -v contacts=1000000 -v per=5 -f seed.sql
-- Deterministic (setseed); runs on the schema the node migrated. Set-based throughout: one
-- INSERT ... SELECT per table, every column (the work queue's too) computed in that INSERT, no
-- UPDATE pass. The secondary indexes of the loaded tables are dropped for the load and created
-- again after it from their own definitions (pg_get_indexdef), which is much faster than
-- maintaining them row by row; primary keys and unique indexes stay. The auto-assignment trigger
-- is off for the load (the bench account has auto-assignment off: it would queue nothing).
\set ON_ERROR_STOP on
\timing on
SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
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

CREATE TEMP TABLE bench_indexes AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relname IN ('contacts', 'conversations', 'messages', 'contact_labels', 'contact_fields')
   AND t.relnamespace = 'public'::regnamespace AND NOT i.indisprimary AND NOT i.indisunique
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM bench_indexes \gexec
ALTER TABLE conversations DISABLE TRIGGER conversations_assign_enqueue;

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

-- customer and agent take turns in the messages below, by contact id: the conversations whose
-- last message is the customer's (about half) need a reply, with the human deadline the write
-- paths store (V47; default windows: WhatsApp 24 h, Messenger and Instagram 7 days); 5 % of the
-- open ones are snoozed
INSERT INTO conversations (account_id, channel_id, contact_id, status, assignee_type, assignee_id, last_message_at, last_inbound_at,
                           unread_count, created_at, needs_reply, reply_deadline, snoozed_until)
SELECT :account, c.channel_id, c.id, c.status,
       CASE WHEN c.r >= 0.2 AND c.r < 0.3 THEN 'agent' WHEN c.r >= 0.3 AND c.r < 0.4 THEN 'team' END,
       CASE WHEN c.r >= 0.2 AND c.r < 0.3 THEN a.ids[1 + (c.id % 20)::int] WHEN c.r >= 0.3 AND c.r < 0.4 THEN t.ids[1 + (c.id % 5)::int] END,
       c.lm, c.lm - interval '1 minute', (c.id % 4)::int, now() - interval '120 days',
       c.needs,
       CASE WHEN c.needs THEN c.lm - interval '1 minute' + CASE WHEN c.channel_id = ch.ids[1] THEN interval '24 hours' ELSE interval '7 days' END END,
       CASE WHEN c.status = 'open' AND c.id % 20 = 7 THEN now() + (1 + c.id % 30) * interval '1 day' END
  FROM (SELECT id, channel_id, r, lm, (:per + id) % 2 = 1 AS needs,
               CASE WHEN r < 0.2 THEN 'open' WHEN r < 0.4 THEN 'assigned' ELSE 'closed' END AS status
          FROM (SELECT id, channel_id, random() AS r, now() - random() * interval '90 days' AS lm
                  FROM contacts WHERE account_id = :account) x) c, bench_agents a, bench_teams t, bench_ch ch;

INSERT INTO contact_labels (contact_id, account_id, name)
SELECT id, :account, CASE WHEN id % 100 < 5 THEN 'vip' WHEN id % 100 = 5 THEN 'wholesale' ELSE 'rare' END
  FROM contacts WHERE account_id = :account AND (id % 100 <= 5 OR id % 1000 = 999);
INSERT INTO contact_fields (contact_id, account_id, name, value)
SELECT id, :account, 'order num', (id * 37 % 100000000)::text FROM contacts WHERE account_id = :account AND id % 10 = 0;

-- :per messages per conversation, the last one at last_message_at; customer and agent take turns
-- (by contact id, as needs_reply above), so about half end with the customer's message
INSERT INTO messages (account_id, conversation_id, channel_id, direction, type, content_type, text, sender_type, status, created_at)
SELECT :account, cv.id, cv.channel_id,
       CASE WHEN (k + cv.contact_id) % 2 = 1 THEN 'in' ELSE 'out' END,
       CASE WHEN (k + cv.contact_id) % 2 = 1 THEN 'incoming' ELSE 'reply' END,
       'text',
       CASE WHEN (k + cv.contact_id) % 2 = 1 THEN 'Hello, I have a question about order ' || (cv.id * k % 100000) || ', can you help?'
            ELSE 'Sure, let me check order ' || (cv.id * k % 100000) || ' for you.' END,
       CASE WHEN (k + cv.contact_id) % 2 = 1 THEN 'contact' ELSE 'agent' END,
       CASE WHEN (k + cv.contact_id) % 2 = 1 THEN 'received' ELSE 'read' END,
       cv.last_message_at - (:per - k) * interval '3 minutes'
  FROM conversations cv, generate_series(1, :per) k
 WHERE cv.account_id = :account;

SELECT def FROM bench_indexes \gexec
ALTER TABLE conversations ENABLE TRIGGER conversations_assign_enqueue;
VACUUM ANALYZE contacts;
VACUUM ANALYZE conversations;
VACUUM ANALYZE messages;
VACUUM ANALYZE contact_labels;
VACUUM ANALYZE contact_fields;
SELECT (SELECT count(*) FROM contacts WHERE account_id = :account) AS contacts,
       (SELECT count(*) FROM conversations WHERE account_id = :account) AS conversations,
       (SELECT count(*) FROM messages WHERE account_id = :account) AS messages;
