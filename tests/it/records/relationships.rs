//! The relationship graph: deal contacts with roles through the deal contacts component
//! and the JSON API, and the relationship views drawing the right nodes and edges.

use reqwest::StatusCode;
use serde_json::json;

use super::helpers::{self, htmx_get, htmx_post};
use crate::support::app::TestClient;
use crate::support::{PASSWORD, TestApp, TwoTenants};

async fn api(
    client: &TestClient,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
    csrf: bool,
) -> (StatusCode, serde_json::Value) {
    let mut request = client.http.request(method, client.url(path));
    if csrf && let Some(token) = client.csrf_token() {
        request = request.header("X-CSRF-Token", token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|err| panic!("{path}: {err}"));
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn deal_contacts_with_roles_through_the_component() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (tenant, company) = (tenants.a.tenant_id, tenants.a.company_id);
    let buyer = app
        .blocking(move |db| {
            helpers::contact(
                &db,
                tenant,
                "Morgan",
                "Buyer",
                Some("morgan@customer.test"),
                Some(company),
                None,
            )
        })
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let deal = tenants.a.deal_id.0;

    // Standalone, the component is a page; the primary contact is shown and flagged.
    let (status, page) = admin.page(&format!("/deals/{deal}/contacts")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        page.texts("[data-testid=deal-contacts] tbody tr a"),
        ["Casey Alphason"]
    );
    assert!(page.exists("tr.primary-contact [data-testid=primary]"));
    let flags: Vec<String> = page
        .select("[data-flag]")
        .iter()
        .filter_map(|f| f.value().attr("data-flag").map(str::to_owned))
        .collect();
    assert_eq!(
        flags,
        ["no_decision_maker", "no_champion", "single_threaded"]
    );

    // Add with a role (htmx), then change it, then remove it.
    let buyer_id = buyer.0.to_string();
    let (status, _, component) = htmx_post(
        &admin,
        &format!("/deals/{deal}/contacts"),
        &[
            ("contact_id", &buyer_id),
            ("role", "decision_maker"),
            ("influence_level", "5"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        component.texts("[data-testid=deal-contacts] tbody tr td:first-child > a"),
        ["Casey Alphason", "Morgan Buyer"]
    );
    assert_eq!(
        component
            .attr(
                &format!("tr[data-contact-id='{buyer_id}'] select[name=role] option[selected]"),
                "value"
            )
            .as_deref(),
        Some("decision_maker")
    );
    assert!(!component.exists("[data-flag=no_decision_maker]"));
    assert!(!component.exists("[data-flag=single_threaded]"));

    let (_, _, component) = htmx_post(
        &admin,
        &format!("/deals/{deal}/contacts"),
        &[
            ("contact_id", &buyer_id),
            ("role", "champion"),
            ("influence_level", "4"),
        ],
    )
    .await;
    assert_eq!(
        component
            .attr(
                &format!("tr[data-contact-id='{buyer_id}'] select[name=role] option[selected]"),
                "value"
            )
            .as_deref(),
        Some("champion")
    );
    assert!(component.exists("[data-flag=no_decision_maker]"));
    assert!(!component.exists("[data-flag=no_champion]"));

    let (status, _, component) = htmx_post(
        &admin,
        &format!("/deals/{deal}/contacts"),
        &[("contact_id", &buyer_id), ("role", "boss")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        component
            .text("[data-testid=deal-contacts-error]")
            .starts_with("Choose a role")
    );

    let (status, _, component) = htmx_post(
        &admin,
        &format!("/deals/{deal}/contacts/{buyer_id}/remove"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        component.texts("[data-testid=deal-contacts] tbody tr td:first-child > a"),
        ["Casey Alphason"]
    );

    // The contact page offers "Add to deal" and shows the role.
    let (_, _, section) = htmx_post(
        &admin,
        &format!("/contacts/{buyer_id}/deals"),
        &[("deal_id", &deal.to_string()), ("role", "gatekeeper")],
    )
    .await;
    assert_eq!(
        section.text(&format!("tr[data-deal-id='{deal}'] td[data-role]")),
        "Gatekeeper"
    );
    let (_, page) = admin.page(&format!("/contacts/{buyer_id}")).await;
    assert_eq!(
        page.text(&format!(
            "[data-testid=contact-deals] tr[data-deal-id='{deal}'] td[data-role]"
        )),
        "Gatekeeper"
    );

    // Another tenant's deal: not found.
    let (status, _, _) = htmx_get(&admin, &format!("/deals/{}/contacts", tenants.b.deal_id)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deal_contacts_through_the_json_api() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (tenant, company) = (tenants.a.tenant_id, tenants.a.company_id);
    let buyer = app
        .blocking(move |db| {
            helpers::contact(&db, tenant, "Morgan", "Buyer", None, Some(company), None)
        })
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/").await;
    let deal = tenants.a.deal_id.0;
    let path = format!("/api/deals/{deal}/contacts");

    let (status, body) = api(
        &admin,
        reqwest::Method::POST,
        &path,
        Some(json!({"contact_id": buyer.0, "role": "influencer", "influence_level": 3})),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["role"], "influencer");
    let (status, _) = api(
        &admin,
        reqwest::Method::POST,
        &path,
        Some(json!({"contact_id": buyer.0, "role": "decision_maker"})),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "an existing link is updated");
    let (status, body) = api(
        &admin,
        reqwest::Method::POST,
        &path,
        Some(json!({"contact_id": buyer.0, "role": "owner"})),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("decision_maker")
    );
    let (status, _) = api(
        &admin,
        reqwest::Method::POST,
        &path,
        Some(json!({"contact_id": buyer.0, "role": "user"})),
        false,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "session requests need the CSRF token"
    );
    let (status, _) = api(
        &admin,
        reqwest::Method::POST,
        &path,
        Some(json!({"contact_id": tenants.b.contact_id.0, "role": "user"})),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's contact");

    let (status, body) = admin.get_json(&path).await;
    assert_eq!(status, StatusCode::OK);
    let contacts = body["contacts"].as_array().cloned().unwrap_or_default();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0]["is_primary"], true);
    assert_eq!(contacts[1]["contact_id"], buyer.0);
    assert_eq!(contacts[1]["role"], "decision_maker");

    let (status, body) = admin
        .get_json(&format!("/api/contacts/{}/relationships", buyer.0))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["contact"]["first_name"], "Morgan");
    assert_eq!(body["relationships"]["company"]["id"], company.0);
    assert_eq!(body["relationships"]["deals"][0]["id"], deal);
    assert_eq!(body["relationships"]["deals"][0]["role"], "decision_maker");
    assert!(
        body["relationships"]["activities_count"]
            .as_i64()
            .is_some_and(|n| n >= 1)
    );
    assert_eq!(body["relationships"]["tasks_pending"], 0);

    let (status, body) = admin
        .get_json(&format!("/api/companies/{}/relationships", company.0))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["company"]["name"], "Alpha Windows Customer");
    assert_eq!(
        body["relationships"]["deals"][0]["contacts"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        body["relationships"]["contacts"].as_array().map(Vec::len),
        Some(2)
    );

    let (status, _) = api(
        &admin,
        reqwest::Method::DELETE,
        &format!("{path}/{}", buyer.0),
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = api(
        &admin,
        reqwest::Method::DELETE,
        &format!("{path}/{}", buyer.0),
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another tenant: 404 on every route.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    other.page("/").await;
    for route in [
        path.clone(),
        format!("/api/contacts/{}/relationships", buyer.0),
        format!("/api/companies/{}/relationships", company.0),
    ] {
        let (status, _) = other.get_json(&route).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{route}");
    }
    let (status, _) = api(
        &other,
        reqwest::Method::DELETE,
        &format!("{path}/{}", tenants.a.contact_id.0),
        None,
        true,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn relationship_views_draw_the_right_nodes_and_edges() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let (tenant, company) = (tenants.a.tenant_id, tenants.a.company_id);
    let outsider_company = app
        .blocking(move |db| {
            helpers::company(
                &db,
                tenant,
                helpers::CompanySeed {
                    name: "Consultants LLC",
                    owner: None,
                    city: None,
                    domain: None,
                },
            )
        })
        .await;
    let (buyer, consultant) = app
        .blocking(move |db| {
            (
                helpers::contact(&db, tenant, "Morgan", "Buyer", None, Some(company), None),
                helpers::contact(
                    &db,
                    tenant,
                    "Robin",
                    "Advisor",
                    None,
                    Some(outsider_company),
                    None,
                ),
            )
        })
        .await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    admin.page("/").await;
    let deal = tenants.a.deal_id.0;
    for (contact, role) in [(buyer.0, "decision_maker"), (consultant.0, "influencer")] {
        let (status, _) = api(
            &admin,
            reqwest::Method::POST,
            &format!("/api/deals/{deal}/contacts"),
            Some(json!({"contact_id": contact, "role": role})),
            true,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }

    let (status, page) = admin
        .page(&format!("/companies/{}/relationships", company.0))
        .await;
    assert_eq!(status, StatusCode::OK);
    let nodes: Vec<String> = page
        .select("svg [data-node]")
        .iter()
        .filter_map(|n| n.value().attr("data-node").map(str::to_owned))
        .collect();
    let casey = tenants.a.contact_id.0;
    let mut expected = vec![
        format!("company-{}", company.0),
        format!("contact-{casey}"),
        format!("contact-{}", buyer.0),
        format!("contact-{}", consultant.0),
        format!("deal-{deal}"),
    ];
    let mut sorted = nodes.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(
        sorted, expected,
        "the company's people, the outsider on its deal, and the deal"
    );
    let role = |from: String| {
        page.text(&format!(
            "text.edge-label[data-from='{from}'][data-to='deal-{deal}']"
        ))
    };
    assert_eq!(role(format!("contact-{}", buyer.0)), "Decision maker");
    assert_eq!(role(format!("contact-{}", consultant.0)), "Influencer");
    assert_eq!(role(format!("contact-{casey}")), "Primary contact");
    assert!(page.exists(&format!(
        "path.edge[data-from='company-{}'][data-to='deal-{deal}']",
        company.0
    )));
    assert!(
        !page.exists(&format!(
            "path[data-from='company-{}'][data-to='contact-{}']",
            company.0, consultant.0
        )),
        "the outsider does not work there"
    );
    assert_eq!(
        page.attr(&format!("[data-node='contact-{}']", buyer.0), "href"),
        Some(format!("/contacts/{}", buyer.0))
    );

    let (_, page) = admin.page(&format!("/deals/{deal}/relationships")).await;
    let flags: Vec<String> = page
        .select("[data-testid=power-map] [data-flag]")
        .iter()
        .filter_map(|f| f.value().attr("data-flag").map(str::to_owned))
        .collect();
    assert_eq!(flags, ["decision_maker", "no_champion", "multi_threaded"]);
    assert_eq!(page.select("svg [data-node^=contact-]").len(), 3);
    assert!(
        page.text(&format!(
            "text.edge-label[data-from='contact-{}']",
            consultant.0
        ))
        .starts_with("Influencer")
    );

    // A graph of 50 more people stays drawable: 40 shown, all 52 of the company counted.
    app.blocking(move |db| {
        for i in 0..50 {
            helpers::contact(
                &db,
                tenant,
                "Person",
                &format!("{i:02}"),
                None,
                Some(company),
                None,
            );
        }
    })
    .await;
    let (_, page) = admin
        .page(&format!("/companies/{}/relationships", company.0))
        .await;
    assert_eq!(page.select("svg [data-node^=contact-]").len(), 40);
    assert!(
        page.texts("svg .column-title")
            .iter()
            .any(|t| t == "People (52)"),
        "{:?}",
        page.texts("svg .column-title")
    );
}
