-- Evo Voice's telephony and branding members of AccountInfo. Texts are NULL when unset; the number and the flag
-- have Evo Voice's defaults, so existing accounts read as they did.
ALTER TABLE accounts ADD COLUMN twilio_account_sid TEXT;
ALTER TABLE accounts ADD COLUMN max_phone_numbers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN is_byoa BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN trust_hub_profile_sid TEXT;
ALTER TABLE accounts ADD COLUMN logo_id TEXT;
ALTER TABLE accounts ADD COLUMN logo_uri TEXT;
