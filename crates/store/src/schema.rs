// The tables of migrations/{sqlite,postgres}; both backends share this one description.

diesel::table! {
    accounts (id) {
        id -> Text,
        name -> Text,
        name_key -> Text,
        parent_account_id -> Nullable<Text>,
        path -> Text,
        billing_settings -> Nullable<Text>,
        customer_fields -> Text,
        date_created -> Text,
        date_last_modified -> Text,
        created_by -> Nullable<Text>,
        last_modified_by -> Nullable<Text>,
        version -> BigInt,
        write_lock -> BigInt,
        twilio_account_sid -> Nullable<Text>,
        max_phone_numbers -> Integer,
        is_byoa -> Bool,
        trust_hub_profile_sid -> Nullable<Text>,
        logo_id -> Nullable<Text>,
        logo_uri -> Nullable<Text>,
    }
}

diesel::table! {
    tags (account_id, id) {
        account_id -> Text,
        id -> Text,
        name -> Text,
        color -> Text,
        position -> Integer,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        account_id -> Text,
        parent_customer_id -> Nullable<Text>,
        path -> Text,
        name -> Text,
        name_key -> Text,
        reference_id -> Nullable<Text>,
        reference_key -> Nullable<Text>,
        is_staging -> Bool,
        data -> Text,
        schedule -> Nullable<Text>,
        integration_data -> Text,
        override_billing_settings -> Bool,
        billing_settings -> Nullable<Text>,
        override_app_settings -> Bool,
        app_settings -> Nullable<Text>,
        date_created -> Text,
        date_last_modified -> Text,
        created_by -> Nullable<Text>,
        last_modified_by -> Nullable<Text>,
        version -> BigInt,
        tag_ids -> Text,
    }
}

diesel::table! {
    customer_tags (customer_id, tag_id) {
        customer_id -> Text,
        account_id -> Text,
        tag_id -> Text,
    }
}

diesel::joinable!(customers -> accounts (account_id));

diesel::table! {
    users (id) {
        id -> Text,
        user_name -> Text,
        user_name_key -> Text,
        email -> Nullable<Text>,
        display_name -> Nullable<Text>,
        password_hash -> Text,
        roles -> Text,
        manager_access -> Text,
        date_created -> Text,
        disabled -> Bool,
    }
}

diesel::table! {
    user_accounts (user_id, account_id) {
        user_id -> Text,
        account_id -> Text,
    }
}

diesel::table! {
    user_customers (user_id, customer_id) {
        user_id -> Text,
        customer_id -> Text,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        permanent -> Bool,
        date_created -> Text,
        expires -> Text,
    }
}

diesel::table! {
    api_keys (key_hash) {
        key_hash -> Text,
        user_id -> Text,
        prefix -> Text,
        date_created -> Text,
    }
}

diesel::table! {
    login_failures (user_name_key) {
        user_name_key -> Text,
        failures -> Integer,
        window_start -> Text,
        last_failure -> Text,
    }
}

diesel::table! {
    generations (id) {
        id -> Integer,
        data -> BigInt,
        auth -> BigInt,
    }
}

diesel::table! {
    idempotency_keys (user_id, idempotency_key) {
        user_id -> Text,
        idempotency_key -> Text,
        operation -> Text,
        request_digest -> Text,
        status -> Integer,
        response -> Text,
        date_created -> Text,
    }
}

diesel::table! {
    customer_unique_values (account_id, field, value_digest) {
        account_id -> Text,
        field -> Text,
        value_digest -> Text,
        customer_id -> Text,
    }
}

diesel::table! {
    // No primary key in the database (see its migration); diesel needs one named, and these two are unique.
    customer_history (change_id, position) {
        change_id -> Text,
        position -> Integer,
        customer_id -> Text,
        account_id -> Text,
        changed_at -> Text,
        user_id -> Nullable<Text>,
        user_name -> Nullable<Text>,
        request_id -> Nullable<Text>,
        operation -> Text,
        member -> Text,
        old_value -> Nullable<Text>,
        new_value -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    tags,
    customers,
    customer_tags,
    users,
    user_accounts,
    user_customers,
    sessions,
    api_keys,
    login_failures,
);
