-- Labels are one per account whatever their case: since V33 adding a label reuses the account's
-- spelling, but older data can hold several ("VIP" on some contacts, "vip" on others), which the
-- label list shows twice and a filter on one spelling half-misses. Each label is merged into the
-- spelling the API already picks, the least one (ContactSql.LABEL_SPELLING: min(name)).

-- 1. A contact that carries several spellings of one label keeps only the least.
DELETE FROM contact_labels l
 WHERE EXISTS (SELECT 1 FROM contact_labels k
                WHERE k.contact_id = l.contact_id AND k.account_id = l.account_id
                  AND lower(k.name) = lower(l.name) AND k.name < l.name);

-- 2. Every other spelling becomes the account's least one (no contact has two rows left to collide).
UPDATE contact_labels l SET name = c.name
  FROM (SELECT account_id, lower(name) AS key, min(name) AS name
          FROM contact_labels GROUP BY account_id, lower(name) HAVING count(DISTINCT name) > 1) c
 WHERE l.account_id = c.account_id AND lower(l.name) = c.key AND l.name <> c.name;
