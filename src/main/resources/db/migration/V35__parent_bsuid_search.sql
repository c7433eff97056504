-- Search by a WhatsApp parent BSUID (US.ENT.…): every contact of the account that Meta tied to
-- that parent, found by this index like a BSUID by contacts_platform_user_idx. Partial: most
-- contacts have no parent.
CREATE INDEX contacts_parent_bsuid_idx ON contacts (account_id, parent_bsuid) WHERE parent_bsuid IS NOT NULL;
