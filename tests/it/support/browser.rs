//! Headless Chromium through chromedriver (Debian's `chromium` and `chromium-driver`,
//! installed by `make test`). One chromedriver per test run; a browser per test.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver {
    url: String,
    _child: Mutex<Child>,
}

static DRIVER: OnceLock<Driver> = OnceLock::new();

fn driver() -> &'static Driver {
    DRIVER.get_or_init(|| {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: browser tests need Debian's chromium and chromium-driver (`make test` installs them)"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .unwrap_or_else(|err| panic!("no free port for chromedriver: {err}"));
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start chromedriver: {err}"));
        kill_with_this_process(child.id());
        let url = format!("http://127.0.0.1:{port}");
        wait_until_listening(port);
        Driver { url, _child: Mutex::new(child) }
    })
}

fn wait_until_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not start listening on port {port}"
        );
        std::thread::yield_now();
    }
}

/// chromedriver does not exit with its parent; a watchdog ends it when the tests do.
fn kill_with_this_process(child: u32) {
    use std::os::unix::process::CommandExt;
    let script = format!(
        "while kill -0 {} 2>/dev/null; do sleep 1; done; kill {child} 2>/dev/null",
        std::process::id()
    );
    let spawned = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if let Err(err) = spawned {
        eprintln!("warning: no watchdog for chromedriver: {err}");
    }
}

/// A fresh headless browser session. Call `close()` at the end of the test.
pub async fn browser() -> Client {
    let driver = driver();
    let profile = std::env::temp_dir().join(format!(
        "rapport-chromium-{}-{}",
        std::process::id(),
        next_profile()
    ));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
    }));
    ClientBuilder::native()
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|err| panic!("cannot start a browser session: {err}"))
}

fn next_profile() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Waits for an element to appear (htmx swaps happen after the request completes).
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("`{css}` did not appear: {err}"))
}

/// Signs in through the real form.
pub async fn sign_in(client: &Client, base_url: &str, email: &str, password: &str) {
    client
        .goto(&format!("{base_url}/login"))
        .await
        .unwrap_or_else(|err| panic!("cannot open sign-in: {err}"));
    fill(client, "#email", email).await;
    fill(client, "#password", password).await;
    click(client, "form[action='/login'] button[type=submit]").await;
}

pub async fn fill(client: &Client, css: &str, text: &str) {
    let field = wait_for(client, css).await;
    field
        .clear()
        .await
        .unwrap_or_else(|err| panic!("cannot clear {css}: {err}"));
    field
        .send_keys(text)
        .await
        .unwrap_or_else(|err| panic!("cannot type into {css}: {err}"));
}

/// Clicks the element `css` selects. Live regions (SSE, htmx polling) may swap the element
/// between finding and clicking it; a stale reference is looked up again until a deadline.
pub async fn click(client: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match wait_for(client, css).await.click().await {
            Ok(()) => return,
            Err(fantoccini::error::CmdError::Standard(err))
                if err.error == fantoccini::error::ErrorStatus::StaleElementReference
                    && Instant::now() < deadline => {}
            Err(err) => panic!("cannot click {css}: {err}"),
        }
    }
}
