//! `sesshu demo`: a seeded consortium on SQLite (or --db), the public site
//! and the back office on loopback, in one process.

use super::context::load_config;
use super::serve::build;
use anyhow::Context as _;
use sesshu::app::{
    MailParts, OfficeApplication, OfficeParts, OfficeTransport, Parts, open_store, shutdown_signal,
};
use sesshu::{Config, demo, logging};
use sesshu_domain::{Clock, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[allow(clippy::print_stdout)] // the demo tells its user where to go
pub async fn run(
    port: u16,
    office_port: u16,
    db: Option<String>,
    people: usize,
    data: PathBuf,
    reset: bool,
) -> anyhow::Result<()> {
    logging::init("text");
    let url = match db {
        Some(url) => url,
        None => {
            std::fs::create_dir_all(&data)
                .with_context(|| format!("cannot create {}", data.display()))?;
            let file = data.join("demo.sqlite");
            if reset {
                for suffix in ["", "-wal", "-shm"] {
                    let mut path = file.clone().into_os_string();
                    path.push(suffix);
                    match std::fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(e).context("cannot delete the demo database"),
                    }
                }
            }
            file.to_string_lossy().into_owned()
        }
    };
    let store = open_store(&url, 16).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let passwords = sesshu_auth::PasswordPolicy::default();
    let vault = sesshu::keys::demo(&data)?;
    let seeded = demo::seed(&store, clock.now(), &passwords, vault.sealing_key()).await?;
    demo::add_people(&store, people, &passwords, clock.now()).await?;

    let config = Config {
        secure_cookies: false,
        ..load_config(None)?
    };
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let config = Config {
        public_origin: Some(format!("http://127.0.0.1:{port}")),
        ..config
    };
    let parts = Parts::from_config(
        &config,
        store.clone(),
        clock.clone(),
        vault.sealing_key().clone(),
    );
    let app = build(&config, parts, listen, &store, Some(&data)).await?;
    let address = app.local_addr()?;

    // The back office, in the same process for the demo only: its state holds
    // the private key, the public router above has no way to reach it.
    demo::seed_admins(&store, &passwords).await?;
    let pki = demo::office_pki(&data)?;
    // Mail goes to files in the demo: the office lists and opens them.
    let outbox = data.join("outbox");
    let mail_config = sesshu::config::MailConfig::outbox(&outbox, demo::MAIL_FROM)?;
    let office = OfficeApplication::build(
        OfficeParts {
            store: store.clone(),
            clock,
            keys: sesshu_vault_open::Keyring::new([vault]),
            passwords,
            throttle: config.login_throttle.limits(),
            config: sesshu_office::OfficeConfig {
                mail: Some(sesshu_office::OfficeMail {
                    site_url: format!("http://{address}"),
                    outbox: Some(outbox.clone()),
                }),
                ..sesshu_office::OfficeConfig::default()
            },
            mail: Some(MailParts {
                transport: mail_config.transport()?,
                settings: mail_config.worker(&format!("http://{address}"))?,
            }),
        },
        SocketAddr::from(([127, 0, 0, 1], office_port)),
        OfficeTransport::Tls(pki.tls.clone()),
    )
    .await?;
    let office_address = office.local_addr()?;

    println!();
    println!("  Sesshu demo: http://{address}/");
    if seeded.created {
        println!("  Seeded a demo consortium with {} slots.", seeded.slots);
    }
    println!("  Log in with password \"{}\" as:", demo::PASSWORD);
    for (institution, login) in demo::credentials()? {
        println!("    institution {institution:<7} login {login}");
    }
    if people > 0 {
        println!("    institution demo    login member00001 … member{people:05}");
    }
    println!("  API: http://{address}/api/v1/openapi.json");
    println!();
    println!(
        "  Back office: https://localhost:{}/",
        office_address.port()
    );
    println!(
        "  It needs a client certificate: import {} (password \"{}\") into the browser,",
        pki.browser_p12.display(),
        demo::CERTIFICATE_PASSWORD
    );
    println!(
        "  and trust the demo CA {} (or accept the warning).",
        pki.tls.client_ca.display()
    );
    println!(
        "  Log in with password \"{}\" as: {}",
        demo::OFFICE_PASSWORD,
        demo::OFFICE_ACCOUNTS
            .iter()
            .map(|(login, role)| format!("{login} ({role})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  curl: curl --cacert {} --cert {} --key {} https://localhost:{}/login",
        pki.tls.client_ca.display(),
        pki.browser_cert.display(),
        pki.browser_key.display(),
        office_address.port()
    );
    println!("  Mails (one .eml file each): {}", outbox.display());
    println!("  Stop with Ctrl-C.");
    println!();
    tokio::try_join!(app.run(shutdown_signal()), office.run(shutdown_signal()))?;
    Ok(())
}
