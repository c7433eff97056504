-- WhatsApp identities: a customer may come with a phone, a business-scoped user id
-- (BSUID), or both. A WhatsApp contact is keyed by its BSUID when it has one, by its phone
-- otherwise: platform_user_id holds that key, so (channel_id, platform_user_id) stays the one
-- key every path uses, and the two columns below keep both ids, each unique per channel, so a
-- phone and a BSUID can never name two contacts at once.
ALTER TABLE contacts
  -- the phone WhatsApp knows the customer by (wa_id, digits); not the agents' editable phone
  ADD COLUMN wa_id         text,
  ADD COLUMN bsuid         text,
  ADD COLUMN parent_bsuid  text,
  -- shown where there is no phone; never a key (the customer can change it)
  ADD COLUMN username      text;

-- a WhatsApp contact without a BSUID is keyed by its phone: that key is its wa_id
UPDATE contacts c SET wa_id = c.platform_user_id
  FROM channels ch
 WHERE ch.id = c.channel_id AND ch.platform = 'whatsapp' AND c.platform_user_id ~ '^[0-9]+$';

CREATE UNIQUE INDEX contacts_wa_id_key ON contacts (channel_id, wa_id) WHERE wa_id IS NOT NULL;
CREATE UNIQUE INDEX contacts_bsuid_key ON contacts (channel_id, bsuid) WHERE bsuid IS NOT NULL;

-- Search: a BSUID is found through contacts_platform_user_idx (it is the key); the username
-- joins the folded names, so the one trigram index finds "@robin", "robin" and "sails" alike.
ALTER TABLE contacts DROP COLUMN search_name;
ALTER TABLE contacts ADD COLUMN search_name text
  GENERATED ALWAYS AS (sb_fold(display_name) || E'\n' || sb_fold(platform_name) || E'\n' || sb_fold(username)) STORED;
CREATE INDEX contacts_search_name_trgm ON contacts USING gin (search_name gin_trgm_ops);

-- What Meta says a sent WhatsApp message costs (statuses' pricing: billable, pricing_model, type, category, ...).
ALTER TABLE messages ADD COLUMN pricing jsonb;

-- Messenger/Instagram: when a thread began from a Click-to-Messenger / Click-to-Direct ad
-- (referral source ADS). Meta allows a 7-day standard window from then instead of 24 hours.
ALTER TABLE conversations ADD COLUMN ad_referral_at timestamptz;
