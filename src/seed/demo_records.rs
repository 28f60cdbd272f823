//! Demo data for the records area: a few custom fields with values, and a shared saved
//! view, so the demo shows them. Deterministic like the rest of the demo.

use diesel::prelude::*;
use diesel::sql_types::BigInt;

use crate::db::schema::users;
use crate::domain::custom_fields::{self, DefinitionInput, FieldType};
use crate::domain::ids::TenantId;
use crate::domain::saved_views;

pub fn seed(conn: &mut PgConnection, tenant_id: TenantId) -> anyhow::Result<()> {
    let fields = [
        (
            "company",
            "service_plan",
            "Service plan",
            FieldType::Select,
            vec!["Basic", "Plus", "Premium"],
        ),
        (
            "company",
            "renewal_date",
            "Renewal date",
            FieldType::Date,
            vec![],
        ),
        (
            "contact",
            "best_time",
            "Best time to call",
            FieldType::Select,
            vec!["Morning", "Afternoon", "Evening"],
        ),
    ];
    for (position, (entity, key, label, field_type, options)) in fields.into_iter().enumerate() {
        custom_fields::create(
            conn,
            tenant_id,
            &DefinitionInput {
                entity_type: entity.to_owned(),
                key: key.to_owned(),
                label: label.to_owned(),
                field_type,
                options: options.into_iter().map(str::to_owned).collect(),
                required: false,
                position: position as i32,
            },
            None,
        )?;
    }
    // Values from the record's id, so every run gives the same data.
    diesel::sql_query(
        "UPDATE companies SET custom_fields = custom_fields || jsonb_build_object(\
             'service_plan', (ARRAY['Basic', 'Plus', 'Premium'])[1 + id % 3], \
             'renewal_date', to_char(date '2027-01-01' + (id * 7 % 365)::int, 'YYYY-MM-DD')) \
         WHERE tenant_id = $1 AND id % 4 <> 0",
    )
    .bind::<BigInt, _>(tenant_id.0)
    .execute(conn)?;
    diesel::sql_query(
        "UPDATE contacts SET custom_fields = custom_fields || jsonb_build_object(\
             'best_time', (ARRAY['Morning', 'Afternoon', 'Evening'])[1 + id % 3]) \
         WHERE tenant_id = $1 AND id % 2 = 0",
    )
    .bind::<BigInt, _>(tenant_id.0)
    .execute(conn)?;
    let admin: Option<crate::domain::ids::UserId> = users::table
        .filter(users::tenant_id.eq(tenant_id))
        .filter(users::role.eq("admin"))
        .order(users::id)
        .select(users::id)
        .first(conn)
        .optional()?;
    if let Some(admin) = admin {
        // Saved as the admin (the view's owner), within this transaction only.
        diesel::sql_query("SELECT set_config('app.user_id', $1, true)")
            .bind::<diesel::sql_types::Text, _>(admin.0.to_string())
            .execute(conn)?;
        saved_views::create(
            conn,
            tenant_id,
            admin,
            "company",
            "Premium accounts",
            true,
            "cf.service_plan=Premium&sort=-last_activity&cols=name%2Cdomain%2Cindustry%2Ccity%2Cowner%2Ccf.service_plan%2Ccf.renewal_date",
        )?;
        diesel::sql_query("SELECT set_config('app.user_id', '', true)").execute(conn)?;
    }
    Ok(())
}
