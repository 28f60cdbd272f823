// @generated automatically by Diesel CLI.

diesel::table! {
    activities (id) {
        id -> Int8,
        tenant_id -> Int8,
        activity_type -> Text,
        title -> Text,
        description -> Nullable<Text>,
        content -> Nullable<Text>,
        direction -> Nullable<Text>,
        duration_seconds -> Nullable<Int4>,
        participants -> Jsonb,
        occurred_at -> Timestamptz,
        user_id -> Nullable<Int8>,
        contact_id -> Nullable<Int8>,
        company_id -> Nullable<Int8>,
        deal_id -> Nullable<Int8>,
        lead_id -> Nullable<Int8>,
        external_source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        external_url -> Nullable<Text>,
        extra -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    analytics_snapshots (id) {
        id -> Int8,
        tenant_id -> Int8,
        scope_key -> Text,
        filter_key -> Text,
        filters -> Jsonb,
        report -> Jsonb,
        computed_at -> Timestamptz,
        compute_ms -> Int4,
        last_viewed_at -> Timestamptz,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Int8,
        tenant_id -> Int8,
        user_id -> Int8,
        name -> Text,
        token_hash -> Bytea,
        token_prefix -> Text,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        expires_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    attachments (id) {
        id -> Int8,
        tenant_id -> Int8,
        entity_type -> Text,
        entity_id -> Int8,
        file_name -> Text,
        content_type -> Text,
        byte_size -> Int8,
        storage_key -> Text,
        sha256 -> Text,
        uploaded_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    audit_logs (id) {
        id -> Int8,
        tenant_id -> Int8,
        actor_id -> Nullable<Int8>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Int8>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    bulk_operations (id) {
        id -> Int8,
        tenant_id -> Int8,
        entity_type -> Text,
        action -> Text,
        record_ids -> Array<Nullable<Int8>>,
        detail -> Jsonb,
        actor_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        undone_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    companies (id) {
        id -> Int8,
        tenant_id -> Int8,
        name -> Text,
        domain -> Nullable<Text>,
        website -> Nullable<Text>,
        industry -> Nullable<Text>,
        size_band -> Nullable<Text>,
        employee_count -> Nullable<Int4>,
        annual_revenue_minor -> Nullable<Int8>,
        currency -> Text,
        phone -> Nullable<Text>,
        address_line1 -> Nullable<Text>,
        address_line2 -> Nullable<Text>,
        city -> Nullable<Text>,
        region -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        country -> Nullable<Text>,
        description -> Nullable<Text>,
        owner_id -> Nullable<Int8>,
        account_tier -> Nullable<Text>,
        is_target_account -> Bool,
        logo_url -> Nullable<Text>,
        custom_fields -> Jsonb,
        last_activity_at -> Nullable<Timestamptz>,
        external_source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        merged_into_id -> Nullable<Int8>,
        name_key -> Nullable<Text>,
        domain_key -> Nullable<Text>,
        search_text -> Nullable<Text>,
    }
}

diesel::table! {
    contacts (id) {
        id -> Int8,
        tenant_id -> Int8,
        company_id -> Nullable<Int8>,
        first_name -> Text,
        last_name -> Text,
        email -> Nullable<Text>,
        additional_emails -> Array<Nullable<Text>>,
        phone -> Nullable<Text>,
        phone_e164 -> Nullable<Text>,
        mobile -> Nullable<Text>,
        mobile_e164 -> Nullable<Text>,
        title -> Nullable<Text>,
        department -> Nullable<Text>,
        owner_id -> Nullable<Int8>,
        status -> Text,
        source -> Nullable<Text>,
        address_line1 -> Nullable<Text>,
        address_line2 -> Nullable<Text>,
        city -> Nullable<Text>,
        region -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        country -> Nullable<Text>,
        linkedin_url -> Nullable<Text>,
        twitter_handle -> Nullable<Text>,
        email_opt_in -> Bool,
        sms_opt_in -> Bool,
        do_not_call -> Bool,
        birthday -> Nullable<Date>,
        custom_fields -> Jsonb,
        last_activity_at -> Nullable<Timestamptz>,
        external_source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        merged_into_id -> Nullable<Int8>,
        name_key -> Nullable<Text>,
        email_key -> Nullable<Text>,
        search_text -> Nullable<Text>,
    }
}

diesel::table! {
    custom_field_definitions (id) {
        id -> Int8,
        tenant_id -> Int8,
        entity_type -> Text,
        key -> Text,
        label -> Text,
        field_type -> Text,
        options -> Jsonb,
        required -> Bool,
        position -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    deal_contacts (id) {
        id -> Int8,
        tenant_id -> Int8,
        deal_id -> Int8,
        contact_id -> Int8,
        role -> Text,
        influence_level -> Nullable<Int2>,
        is_champion -> Bool,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    deal_line_items (id) {
        id -> Int8,
        tenant_id -> Int8,
        deal_id -> Int8,
        product -> Text,
        quantity -> Int4,
        unit_price_minor -> Int8,
        line_total_minor -> Nullable<Int8>,
        position -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    deal_stage_history (id) {
        id -> Int8,
        tenant_id -> Int8,
        deal_id -> Int8,
        from_stage_id -> Nullable<Int8>,
        to_stage_id -> Int8,
        changed_at -> Timestamptz,
        changed_by -> Nullable<Int8>,
        duration_seconds -> Nullable<Int8>,
    }
}

diesel::table! {
    deal_stage_totals (id) {
        id -> Int8,
        tenant_id -> Int8,
        pipeline_id -> Int8,
        stage_id -> Int8,
        status -> Text,
        owner_id -> Nullable<Int8>,
        currency -> Text,
        close_month -> Nullable<Date>,
        deals -> Int8,
        amount_minor -> Numeric,
        weighted_product -> Numeric,
    }
}

diesel::table! {
    deal_team_members (tenant_id, deal_id, user_id) {
        tenant_id -> Int8,
        deal_id -> Int8,
        user_id -> Int8,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    deals (id) {
        id -> Int8,
        tenant_id -> Int8,
        deal_number -> Int8,
        title -> Text,
        company_id -> Nullable<Int8>,
        primary_contact_id -> Nullable<Int8>,
        pipeline_id -> Int8,
        stage_id -> Int8,
        status -> Text,
        amount_minor -> Int8,
        currency -> Text,
        discount_minor -> Int8,
        tax_minor -> Int8,
        total_minor -> Nullable<Int8>,
        probability -> Int2,
        probability_overridden -> Bool,
        expected_close_date -> Nullable<Date>,
        actual_close_date -> Nullable<Date>,
        stage_entered_at -> Timestamptz,
        owner_id -> Nullable<Int8>,
        source -> Nullable<Text>,
        lead_id -> Nullable<Int8>,
        competitors -> Array<Nullable<Text>>,
        won_reason -> Nullable<Text>,
        lost_reason -> Nullable<Text>,
        lost_to_competitor -> Nullable<Text>,
        custom_fields -> Jsonb,
        last_activity_at -> Nullable<Timestamptz>,
        external_source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        merged_into_id -> Nullable<Int8>,
        search_text -> Nullable<Text>,
    }
}

diesel::table! {
    job_schedules (name) {
        name -> Text,
        cron -> Text,
        kind -> Text,
        payload -> Jsonb,
        per_tenant -> Bool,
        next_run_at -> Timestamptz,
        last_run_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    jobs (id) {
        id -> Int8,
        tenant_id -> Nullable<Int8>,
        kind -> Text,
        payload -> Jsonb,
        priority -> Int2,
        status -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        run_at -> Timestamptz,
        dedupe_key -> Nullable<Text>,
        locked_by -> Nullable<Text>,
        started_at -> Nullable<Timestamptz>,
        heartbeat_at -> Nullable<Timestamptz>,
        cancel_requested_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    leads (id) {
        id -> Int8,
        tenant_id -> Int8,
        first_name -> Text,
        last_name -> Text,
        company_name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_e164 -> Nullable<Text>,
        title -> Nullable<Text>,
        source -> Nullable<Text>,
        campaign -> Nullable<Text>,
        medium -> Nullable<Text>,
        referrer -> Nullable<Text>,
        status -> Text,
        rating -> Nullable<Text>,
        score -> Int4,
        budget -> Nullable<Text>,
        authority -> Nullable<Text>,
        need -> Nullable<Text>,
        timeline -> Nullable<Text>,
        owner_id -> Nullable<Int8>,
        disqualified_reason -> Nullable<Text>,
        disqualified_by -> Nullable<Int8>,
        disqualified_at -> Nullable<Timestamptz>,
        converted_at -> Nullable<Timestamptz>,
        converted_by -> Nullable<Int8>,
        converted_company_id -> Nullable<Int8>,
        converted_contact_id -> Nullable<Int8>,
        converted_deal_id -> Nullable<Int8>,
        custom_fields -> Jsonb,
        last_activity_at -> Nullable<Timestamptz>,
        external_source -> Nullable<Text>,
        external_id -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        name_key -> Nullable<Text>,
        email_key -> Nullable<Text>,
        search_text -> Nullable<Text>,
        conversion_detail -> Nullable<Jsonb>,
    }
}

diesel::table! {
    notes (id) {
        id -> Int8,
        tenant_id -> Int8,
        title -> Nullable<Text>,
        body -> Text,
        pinned -> Bool,
        author_id -> Nullable<Int8>,
        company_id -> Nullable<Int8>,
        contact_id -> Nullable<Int8>,
        deal_id -> Nullable<Int8>,
        lead_id -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    pipeline_stages (id) {
        id -> Int8,
        tenant_id -> Int8,
        pipeline_id -> Int8,
        name -> Text,
        position -> Int4,
        probability -> Int2,
        colour -> Text,
        days_in_stage_alert -> Nullable<Int4>,
        is_closed_won -> Bool,
        is_closed_lost -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    pipelines (id) {
        id -> Int8,
        tenant_id -> Int8,
        name -> Text,
        is_default -> Bool,
        position -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    record_sequences (tenant_id, name) {
        tenant_id -> Int8,
        name -> Text,
        last_value -> Int8,
    }
}

diesel::table! {
    roles (key) {
        key -> Text,
        name -> Text,
        rank -> Int2,
        permissions -> Array<Nullable<Text>>,
    }
}

diesel::table! {
    saved_views (id) {
        id -> Int8,
        tenant_id -> Int8,
        entity_type -> Text,
        name -> Text,
        owner_id -> Int8,
        shared -> Bool,
        query -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    security_logs (id) {
        id -> Int8,
        tenant_id -> Nullable<Int8>,
        user_id -> Nullable<Int8>,
        event -> Text,
        email -> Nullable<Text>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        detail -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Int8,
        tenant_id -> Int8,
        user_id -> Int8,
        token_hash -> Bytea,
        csrf_token -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        user_agent -> Nullable<Text>,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    sync_connections (id) {
        id -> Int8,
        tenant_id -> Int8,
        source -> Text,
        settings -> Jsonb,
        secret_ciphertext -> Nullable<Bytea>,
        secret_hint -> Nullable<Text>,
        last_tested_at -> Nullable<Timestamptz>,
        last_test_ok -> Nullable<Bool>,
        last_test_message -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sync_links (tenant_id, source, model, source_id) {
        tenant_id -> Int8,
        source -> Text,
        model -> Text,
        source_id -> Text,
        entity_type -> Text,
        entity_id -> Int8,
        synced_values -> Jsonb,
        synced_at -> Timestamptz,
    }
}

diesel::table! {
    sync_models (id) {
        id -> Int8,
        tenant_id -> Int8,
        source -> Text,
        model -> Text,
        cursor -> Nullable<Text>,
        record_count -> Int8,
        deleted_count -> Int8,
        last_run_id -> Nullable<Int8>,
        last_success_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sync_records (tenant_id, model_id, source_id) {
        tenant_id -> Int8,
        model_id -> Int8,
        source_id -> Text,
        payload -> Jsonb,
        hash -> Bytea,
        source_updated_at -> Timestamptz,
        first_seen_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        changed_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        last_run_id -> Nullable<Int8>,
    }
}

diesel::table! {
    sync_run_errors (id) {
        id -> Int8,
        tenant_id -> Int8,
        run_id -> Int8,
        source_id -> Nullable<Text>,
        reason -> Text,
        payload_excerpt -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    sync_runs (id) {
        id -> Int8,
        tenant_id -> Int8,
        source -> Text,
        model -> Text,
        status -> Text,
        trigger -> Text,
        requested_by -> Nullable<Int8>,
        options -> Jsonb,
        endpoint -> Nullable<Text>,
        queued_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        heartbeat_at -> Nullable<Timestamptz>,
        worker -> Nullable<Text>,
        job_id -> Nullable<Int8>,
        processed -> Int8,
        created -> Int8,
        updated -> Int8,
        unchanged -> Int8,
        failed -> Int8,
        deleted -> Int8,
        expected_total -> Nullable<Int8>,
        pages -> Int4,
        requests -> Int4,
        retries -> Int4,
        rate_limit_waits -> Int4,
        rate_limit_wait_ms -> Int8,
        cursor_before -> Nullable<Text>,
        cursor_after -> Nullable<Text>,
        error_message -> Nullable<Text>,
        debug_log -> Nullable<Text>,
        cancel_requested_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    taggings (tenant_id, tag_id, entity_type, entity_id) {
        tenant_id -> Int8,
        tag_id -> Int8,
        entity_type -> Text,
        entity_id -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    tags (id) {
        id -> Int8,
        tenant_id -> Int8,
        name -> Text,
        colour -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tasks (id) {
        id -> Int8,
        tenant_id -> Int8,
        subject -> Text,
        description -> Nullable<Text>,
        due_at -> Nullable<Timestamptz>,
        reminder_at -> Nullable<Timestamptz>,
        priority -> Text,
        status -> Text,
        assignee_id -> Nullable<Int8>,
        company_id -> Nullable<Int8>,
        contact_id -> Nullable<Int8>,
        deal_id -> Nullable<Int8>,
        lead_id -> Nullable<Int8>,
        parent_task_id -> Nullable<Int8>,
        completed_at -> Nullable<Timestamptz>,
        completed_by -> Nullable<Int8>,
        source_key -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    teams (id) {
        id -> Int8,
        tenant_id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    tenants (id) {
        id -> Int8,
        slug -> Text,
        name -> Text,
        record_visibility -> Text,
        time_zone -> Text,
        currency -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        tenant_id -> Int8,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        role -> Text,
        team_id -> Nullable<Int8>,
        manager_id -> Nullable<Int8>,
        active -> Bool,
        time_zone -> Nullable<Text>,
        last_login_at -> Nullable<Timestamptz>,
        locked_until -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(activities -> tenants (tenant_id));
diesel::joinable!(analytics_snapshots -> tenants (tenant_id));
diesel::joinable!(api_tokens -> tenants (tenant_id));
diesel::joinable!(attachments -> tenants (tenant_id));
diesel::joinable!(audit_logs -> tenants (tenant_id));
diesel::joinable!(bulk_operations -> tenants (tenant_id));
diesel::joinable!(companies -> tenants (tenant_id));
diesel::joinable!(contacts -> tenants (tenant_id));
diesel::joinable!(custom_field_definitions -> tenants (tenant_id));
diesel::joinable!(deal_contacts -> tenants (tenant_id));
diesel::joinable!(deal_line_items -> tenants (tenant_id));
diesel::joinable!(deal_stage_history -> tenants (tenant_id));
diesel::joinable!(deal_stage_totals -> tenants (tenant_id));
diesel::joinable!(deal_team_members -> tenants (tenant_id));
diesel::joinable!(deals -> tenants (tenant_id));
diesel::joinable!(jobs -> tenants (tenant_id));
diesel::joinable!(leads -> tenants (tenant_id));
diesel::joinable!(notes -> tenants (tenant_id));
diesel::joinable!(pipeline_stages -> tenants (tenant_id));
diesel::joinable!(pipelines -> tenants (tenant_id));
diesel::joinable!(record_sequences -> tenants (tenant_id));
diesel::joinable!(saved_views -> tenants (tenant_id));
diesel::joinable!(security_logs -> tenants (tenant_id));
diesel::joinable!(security_logs -> users (user_id));
diesel::joinable!(sessions -> tenants (tenant_id));
diesel::joinable!(sync_connections -> tenants (tenant_id));
diesel::joinable!(sync_links -> tenants (tenant_id));
diesel::joinable!(sync_models -> tenants (tenant_id));
diesel::joinable!(sync_run_errors -> tenants (tenant_id));
diesel::joinable!(sync_runs -> tenants (tenant_id));
diesel::joinable!(taggings -> tenants (tenant_id));
diesel::joinable!(tags -> tenants (tenant_id));
diesel::joinable!(tasks -> tenants (tenant_id));
diesel::joinable!(teams -> tenants (tenant_id));
diesel::joinable!(users -> roles (role));
diesel::joinable!(users -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    activities,
    analytics_snapshots,
    api_tokens,
    attachments,
    audit_logs,
    bulk_operations,
    companies,
    contacts,
    custom_field_definitions,
    deal_contacts,
    deal_line_items,
    deal_stage_history,
    deal_stage_totals,
    deal_team_members,
    deals,
    job_schedules,
    jobs,
    leads,
    notes,
    pipeline_stages,
    pipelines,
    record_sequences,
    roles,
    saved_views,
    security_logs,
    sessions,
    sync_connections,
    sync_links,
    sync_models,
    sync_records,
    sync_run_errors,
    sync_runs,
    taggings,
    tags,
    tasks,
    teams,
    tenants,
    users,
);
