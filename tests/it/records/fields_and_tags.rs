//! Admin-defined custom fields (every type: defined, shown, edited, validated, filtered,
//! sorted and exported like built-in fields) and tags (usage counts, rename, merge, delete).

use reqwest::StatusCode;

use super::helpers::{self, htmx_post, row_names};
use crate::support::app::location;
use crate::support::{PASSWORD, Page, TestApp, TwoTenants};

#[tokio::test]
async fn custom_fields_are_defined_edited_filtered_sorted_and_exported() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let (status, _) = admin.page("/admin/custom-fields").await;
    assert_eq!(status, StatusCode::OK);

    // Validation keeps the input.
    let bad = admin
        .post_form(
            "/admin/custom-fields",
            &[
                ("entity_type", "company"),
                ("label", "Plan"),
                ("field_type", "select"),
                ("options", ""),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(bad.text().await.unwrap_or_default());
    assert_eq!(
        page.text("#cf-options-error"),
        "List the choices, one per line."
    );
    assert_eq!(page.attr("#cf-label", "value").as_deref(), Some("Plan"));

    for (label, field_type, options) in [
        ("Plan", "select", "Gold\nSilver"),
        ("Regions", "multi_select", "North\nSouth"),
        ("Seats", "number", ""),
        ("Renewal date", "date", ""),
        ("Partner", "checkbox", ""),
        ("Portal", "url", ""),
        ("Notes code", "text", ""),
    ] {
        let created = admin
            .post_form(
                "/admin/custom-fields",
                &[
                    ("entity_type", "company"),
                    ("label", label),
                    ("field_type", field_type),
                    ("options", options),
                ],
            )
            .await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER, "{label}");
    }
    let dup = admin
        .post_form(
            "/admin/custom-fields",
            &[
                ("entity_type", "company"),
                ("label", "Seats"),
                ("field_type", "text"),
            ],
        )
        .await;
    assert_eq!(
        dup.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "keys are unique per entity"
    );

    // The company form shows them and checks them.
    let (_, form) = admin.page("/companies/new").await;
    for name in [
        "cf.plan",
        "cf.regions",
        "cf.seats",
        "cf.renewal_date",
        "cf.partner",
        "cf.portal",
        "cf.notes_code",
    ] {
        assert!(
            form.exists(&format!("[data-field='{name}']")),
            "{name} on the form"
        );
    }
    let bad = admin
        .post_form(
            "/companies",
            &[
                ("name", "Fielded"),
                ("cf.plan", "Bronze"),
                ("cf.seats", "ten"),
                ("cf.renewal_date", "soon"),
                ("cf.portal", "ftp://x"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(bad.text().await.unwrap_or_default());
    for name in ["cf.plan", "cf.seats", "cf.renewal_date", "cf.portal"] {
        assert!(
            page.exists(&format!("[data-field='{name}'] .field-error")),
            "error on {name}"
        );
    }
    let made = admin
        .post_form(
            "/companies",
            &[
                ("name", "Fielded"),
                ("cf.plan", "Gold"),
                ("cf.regions", "North"),
                ("cf.regions", "South"),
                ("cf.seats", "1,200"),
                ("cf.renewal_date", "2027-01-31"),
                ("cf.partner", "true"),
                ("cf.portal", "portal.example.com"),
                ("cf.notes_code", "=SUM(A1)"),
            ],
        )
        .await;
    assert_eq!(made.status(), StatusCode::SEE_OTHER);
    let url = location(&made);
    let (_, page) = admin.page(&url).await;
    assert_eq!(page.text("[data-value='cf.plan']"), "Gold");
    assert_eq!(page.text("[data-value='cf.regions']"), "North, South");
    assert_eq!(page.text("[data-value='cf.seats']"), "1,200");
    assert_eq!(page.text("[data-value='cf.renewal_date']"), "Jan 31, 2027");
    assert_eq!(page.text("[data-value='cf.partner']"), "Yes");
    assert_eq!(
        page.text("[data-value='cf.portal']"),
        "https://portal.example.com"
    );

    // Inline edit of a custom field.
    let (status, _, shown) = htmx_post(
        &admin,
        &format!("{url}/fields/cf.plan"),
        &[("cf.plan", "Silver")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown.text("[data-value='cf.plan']"), "Silver");
    let (status, _, editor) = htmx_post(
        &admin,
        &format!("{url}/fields/cf.seats"),
        &[("cf.seats", "many")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        editor.text(".field-error"),
        "Enter a number, like 12 or 3.5."
    );

    // Filter and sort on them.
    let tenant = tenants.a.tenant_id;
    app.blocking(move |db| {
        helpers::company(
            &db,
            tenant,
            helpers::CompanySeed {
                name: "Plain Co",
                owner: None,
                city: None,
                domain: None,
            },
        )
    })
    .await;
    for (query, expected) in [
        ("cf.plan=Silver", vec!["Fielded"]),
        ("cf.regions=South", vec!["Fielded"]),
        ("cf.seats.min=1000", vec!["Fielded"]),
        ("cf.seats.max=10", vec![]),
        (
            "cf.renewal_date.from=2027-01-01&cf.renewal_date.to=2027-02-01",
            vec!["Fielded"],
        ),
        ("cf.partner=yes", vec!["Fielded"]),
        ("cf.partner=no", vec!["Alpha Windows Customer", "Plain Co"]),
        ("cf.portal=portal", vec!["Fielded"]),
    ] {
        let (_, page) = admin.page(&format!("/companies?{query}")).await;
        assert_eq!(row_names(&page), expected, "{query}");
    }
    let (_, sorted) = admin
        .page("/companies?sort=-cf.seats&cols=name,cf.seats")
        .await;
    assert_eq!(row_names(&sorted)[0], "Fielded");
    assert_eq!(
        sorted.texts("#records thead th[data-col]"),
        ["Name", "Seats ▼"]
    );

    // Exported like built-in fields.
    let csv = admin.get("/companies/export.csv?cols=name,cf.plan,cf.regions,cf.seats,cf.partner,cf.notes_code&q=fielded").await.text().await.unwrap_or_default();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert_eq!(
        lines.next(),
        Some("id,Name,Plan,Regions,Seats,Partner,Notes code")
    );
    let row = lines.next().unwrap_or_default();
    assert!(
        row.ends_with(",Fielded,Silver,North; South,1200,true,'=SUM(A1)"),
        "{row}"
    );

    // A rep cannot manage fields.
    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    let (status, _) = rep.page("/admin/custom-fields").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn tags_have_usage_counts_and_can_be_renamed_merged_and_deleted() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let company = tenants.a.company_id.0;
    let contact = tenants.a.contact_id.0;
    admin.page(&format!("/companies/{company}")).await;
    let (status, _, chips) = htmx_post(
        &admin,
        &format!("/records/company/{company}/tags"),
        &[("name", "VIP")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let tags_of = |page: &Page| -> Vec<String> {
        page.select(".tag[data-tag]")
            .iter()
            .filter_map(|t| t.value().attr("data-tag").map(str::to_owned))
            .collect()
    };
    assert_eq!(tags_of(&chips), ["VIP"]);
    htmx_post(
        &admin,
        &format!("/records/contact/{contact}/tags"),
        &[("name", "vip")],
    )
    .await;
    let (_, _, chips) = htmx_post(
        &admin,
        &format!("/records/contact/{contact}/tags"),
        &[("name", "Key account")],
    )
    .await;
    assert_eq!(
        tags_of(&chips),
        ["Key account", "VIP"],
        "an existing tag is reused whatever its case"
    );
    let (status, _, chips) = htmx_post(
        &admin,
        &format!("/records/contact/{contact}/tags"),
        &[("name", "  ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(chips.text(".field-error"), "Give the tag a name.");

    let (_, page) = admin.page("/tags").await;
    let usage = |page: &Page, name: &str| -> Vec<String> {
        let tag = scraper::Selector::parse(".tag").unwrap_or_else(|_| panic!("selector"));
        let cell = scraper::Selector::parse("td.num").unwrap_or_else(|_| panic!("selector"));
        page.select("#tags tbody tr")
            .iter()
            .find(|row| {
                row.select(&tag)
                    .any(|t| t.text().collect::<String>() == name)
            })
            .map(|row| {
                row.select(&cell)
                    .map(|c| c.text().collect::<String>())
                    .collect()
            })
            .unwrap_or_default()
    };
    let id_of = |page: &Page, name: &str| -> String {
        page.select("#tags tbody tr")
            .iter()
            .find(|row| {
                row.select(&scraper::Selector::parse(".tag").unwrap_or_else(|_| panic!("selector")))
                    .any(|t| t.text().collect::<String>() == name)
            })
            .and_then(|row| row.value().attr("data-tag-id").map(str::to_owned))
            .unwrap_or_else(|| panic!("no tag {name}"))
    };
    let (vip, key) = (id_of(&page, "VIP"), id_of(&page, "Key account"));

    // Rename (a name already taken is refused), merge, delete.
    let clash = admin
        .post_form(
            &format!("/tags/{key}"),
            &[("name", "vip"), ("colour", "#123456")],
        )
        .await;
    assert_eq!(clash.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page("/tags").await;
    assert!(page.text(".flash-error").contains("already a tag"));
    admin
        .post_form(
            &format!("/tags/{vip}"),
            &[("name", "Very important"), ("colour", "#ef4444")],
        )
        .await;
    let merged = admin
        .post_form(&format!("/tags/{key}/merge"), &[("into", &vip)])
        .await;
    assert_eq!(merged.status(), StatusCode::SEE_OTHER);
    let (_, page) = admin.page("/tags").await;
    assert!(
        page.text(".flash-success")
            .contains("Merged \"Key account\" into \"Very important\"")
    );
    assert_eq!(usage(&page, "Very important"), ["1", "1", "0", "0", "2"]);
    assert_eq!(page.select("#tags tbody tr").len(), 1);
    let (_, list) = admin.page(&format!("/contacts?tag={vip}")).await;
    assert_eq!(row_names(&list), ["Casey Alphason"]);

    let rep = app.login(&tenants.a.rep_email, PASSWORD).await;
    rep.page("/tags").await;
    let refused = rep.post_form(&format!("/tags/{vip}/delete"), &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    admin.post_form(&format!("/tags/{vip}/delete"), &[]).await;
    let (_, page) = admin.page(&format!("/companies/{company}")).await;
    assert!(page.texts("[data-testid=record-tags] .tag").is_empty());
}
