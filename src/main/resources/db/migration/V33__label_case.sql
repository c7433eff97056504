-- Labels are one per account whatever their case ("VIP" and "vip"): adding a label looks up the
-- account's spelling by lower(name), and removing one matches it the same way.
CREATE INDEX contact_labels_account_lower_idx ON contact_labels (account_id, lower(name));
