//! Attachments: upload (streamed to disk, size limit, type from the name), download with
//! the right content type, delete; never across tenants or past visibility.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::support::app::TestClient;
use crate::support::{PASSWORD, Page, TestApp, TwoTenants};

async fn upload(
    client: &TestClient,
    entity: &str,
    id: i64,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Page) {
    let token = client
        .csrf_token()
        .unwrap_or_else(|| panic!("load a page first"));
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    let response = client
        .http
        .post(client.url(&format!("/attachments?entity={entity}&id={id}")))
        .header("HX-Request", "true")
        .header("X-CSRF-Token", token)
        .multipart(form)
        .send()
        .await
        .unwrap_or_else(|err| panic!("upload: {err}"));
    let status = response.status();
    (
        status,
        Page::parse(response.text().await.unwrap_or_default()),
    )
}

#[tokio::test]
async fn files_are_uploaded_downloaded_and_deleted() {
    let app = TestApp::spawn().await;
    let tenants = app.blocking(|db| TwoTenants::create(&db)).await;
    let admin = app.login(&tenants.a.admin_email, PASSWORD).await;
    let company = tenants.a.company_id.0;
    admin.page(&format!("/companies/{company}")).await;

    let pdf = b"%PDF-1.4 quote for windows".to_vec();
    let (status, section) =
        upload(&admin, "company", company, "Q3 \"quote\".pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        section.texts("[data-testid=attachments] .file-name"),
        ["Q3 quote.pdf"]
    );
    assert!(
        section
            .text("[data-testid=attachments] .file .muted")
            .starts_with("PDF · 26 B")
    );
    let href = section
        .attr("[data-testid=attachments] .file-name", "href")
        .unwrap_or_else(|| panic!("no link"));

    let response = admin.get(&href).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment") && disposition.contains("Q3 quote.pdf"),
        "{disposition}"
    );
    assert_eq!(
        response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default(),
        pdf
    );

    // The record page lists it; the contact and deal kinds take files too; leads do not.
    let (_, page) = admin.page(&format!("/companies/{company}")).await;
    assert_eq!(
        page.texts("[data-testid=attachments] .file-name"),
        ["Q3 quote.pdf"]
    );
    let (status, _) = upload(
        &admin,
        "deal",
        tenants.a.deal_id.0,
        "notes.txt",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(
        &admin,
        "lead",
        tenants.a.lead_id.0,
        "notes.txt",
        b"hello".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Too large, or empty: a message, nothing stored.
    let (status, section) = upload(
        &admin,
        "company",
        company,
        "big.bin",
        vec![0u8; 25 * 1024 * 1024 + 1],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        section.text("[data-testid=attachment-error]"),
        "That file is larger than the 25 MB limit."
    );
    let (status, section) = upload(&admin, "company", company, "empty.txt", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        section.texts("[data-testid=attachments] .file-name").len(),
        1
    );

    // Another tenant can neither fetch nor attach.
    let other = app.login(&tenants.b.admin_email, PASSWORD).await;
    other.page("/").await;
    assert_eq!(other.get(&href).await.status(), StatusCode::NOT_FOUND);
    let (status, _) = upload(&other, "company", company, "x.txt", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let id = href.trim_start_matches("/attachments/");
    let refused = other
        .post_form(&format!("/attachments/{id}/delete"), &[])
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // Delete: gone from the page and from the disk.
    let deleted = admin
        .post_form(&format!("/attachments/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(admin.get(&href).await.status(), StatusCode::NOT_FOUND);
    let (_, page) = admin.page(&format!("/companies/{company}")).await;
    assert!(
        page.texts("[data-testid=attachments] .file-name")
            .is_empty()
    );
}
