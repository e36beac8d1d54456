ALTER TABLE accounts DROP COLUMN logo_uri;
ALTER TABLE accounts DROP COLUMN logo_id;
ALTER TABLE accounts DROP COLUMN trust_hub_profile_sid;
ALTER TABLE accounts DROP COLUMN is_byoa;
ALTER TABLE accounts DROP COLUMN max_phone_numbers;
ALTER TABLE accounts DROP COLUMN twilio_account_sid;
