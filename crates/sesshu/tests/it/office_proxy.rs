//! The back office behind nginx: plain HTTP on loopback, and only requests
//! the proxy vouches for (a verified client certificate) get in.

use crate::helpers::*;
use crate::office_kit::{PASSWORD, TestOffice, audited};
use reqwest::StatusCode;
use sesshu::app::{OfficeApplication, OfficeParts, OfficeTransport};
use sesshu_auth::{PasswordPolicy, ThrottleLimits};
use sesshu_domain::Role;

fn parts(app: &TestApp) -> OfficeParts {
    OfficeParts {
        store: app.store.clone(),
        clock: app.clock.clone(),
        keys: sesshu_vault_open::Keyring::new([app.vault.clone()]),
        passwords: PasswordPolicy::insecure_fast_for_tests(),
        throttle: ThrottleLimits::default(),
        config: sesshu_office::OfficeConfig::default(),
        mail: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_a_proxy_only_requests_with_a_verified_certificate_get_in() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let refused = OfficeApplication::build(
        parts(&app),
        "0.0.0.0:0".parse().unwrap(),
        OfficeTransport::BehindProxy,
    )
    .await;
    assert!(refused.is_err(), "behind a proxy, loopback only");

    let office = OfficeApplication::build(
        parts(&app),
        "127.0.0.1:0".parse().unwrap(),
        OfficeTransport::BehindProxy,
    )
    .await
    .unwrap();
    let base = format!("http://{}", office.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(office.run(async {
        let _ = stopped.await;
    }));
    // The kit's account helper needs an office; this one is only for that.
    let kit = TestOffice::spawn(&app).await;
    kit.account(&app, "root", Role::SystemAdmin).await;

    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |verify: Option<&'static str>| {
        let mut request = http.get(format!("{base}/login"));
        if let Some(verify) = verify {
            request = request
                .header("x-client-verify", verify)
                .header(
                    "x-client-fingerprint",
                    "0123456789abcdef0123456789abcdef01234567",
                )
                .header("x-real-ip", "192.0.2.7");
        }
        request.send()
    };
    assert_eq!(get(None).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        get(Some("FAILED:certificate has expired"))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let page = get(Some("SUCCESS")).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = form_value(&page.text().await.unwrap(), "csrf");
    let login = http
        .post(format!("{base}/login"))
        .header("x-client-verify", "SUCCESS")
        .header(
            "x-client-fingerprint",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .header("x-real-ip", "192.0.2.7")
        .form(&[
            ("csrf", csrf.as_str()),
            ("directory", "builtin"),
            ("login", "root"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let logins = audited(&app, "office.login").await;
    assert_eq!(logins[0].origin, "192.0.2.7 cert:0123456789abcdef");
    let _ = stop.send(());
}
