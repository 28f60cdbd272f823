//! Join paths diesel cannot infer: our foreign keys are composite (tenant_id, id), which
//! `diesel print-schema` does not turn into `joinable!`. Where a table has several
//! references to the same table, the one listed here is the common join; others join with
//! an explicit `.on(...)`.

use super::schema::*;

diesel::joinable!(activities -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(companies -> users (owner_id));
diesel::joinable!(contacts -> companies (company_id));
diesel::joinable!(deal_contacts -> contacts (contact_id));
diesel::joinable!(deal_contacts -> deals (deal_id));
diesel::joinable!(deal_stage_history -> deals (deal_id));
diesel::joinable!(deals -> companies (company_id));
diesel::joinable!(deals -> pipeline_stages (stage_id));
diesel::joinable!(deals -> pipelines (pipeline_id));
diesel::joinable!(notes -> users (author_id));
diesel::joinable!(pipeline_stages -> pipelines (pipeline_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(taggings -> tags (tag_id));
diesel::joinable!(tasks -> users (assignee_id));
diesel::joinable!(users -> teams (team_id));
diesel::joinable!(contacts -> users (owner_id));
diesel::joinable!(deals -> users (owner_id));
diesel::joinable!(leads -> users (owner_id));
