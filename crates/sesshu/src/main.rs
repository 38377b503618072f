//! `sesshu`: the command line.

use anyhow::Context;
use clap::{Parser, Subcommand};
use sesshu::app::{
    MailParts, OfficeApplication, OfficeParts, OfficeTransport, Parts, database_url,
    shutdown_signal,
};
use sesshu::{Application, Config, admins, demo, logging, master, members, open_store};
use sesshu_auth::roster::MissingMembers;
use sesshu_domain::{Clock, SystemClock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Sesshu: vaccination appointment booking for a consortium of universities.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the demo: a seeded consortium on SQLite (or --db), plain HTTP on loopback.
    Demo {
        /// Port on 127.0.0.1.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Port of the back office (HTTPS, client certificate) on 127.0.0.1.
        #[arg(long, default_value_t = 8443)]
        office_port: u16,
        /// Database URL; default: sqlite in --data.
        #[arg(long)]
        db: Option<String>,
        /// Also seed members member00001… of institution `demo` (password `demo`).
        #[arg(long, default_value_t = 0)]
        people: usize,
        /// Folder of the demo database.
        #[arg(long, default_value = "sesshu-data")]
        data: PathBuf,
        /// Delete the demo's SQLite database first and seed afresh.
        #[arg(long)]
        reset: bool,
    },
    /// Run the public process with a configuration file (no demo data).
    Serve {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run the back office: HTTPS with client certificates, the only process
    /// that opens personal data (docs/deploy.md).
    Office {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// The back office's administrator accounts.
    Admins {
        #[command(subcommand)]
        command: AdminsCommand,
    },
    /// The back office's CA and certificates (docs/deploy.md).
    Certs {
        #[command(subcommand)]
        command: sesshu::certs::CertsCommand,
    },
    /// Apply the database migrations and exit.
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Member uploads (docs/members.md).
    Members {
        #[command(subcommand)]
        command: MembersCommand,
    },
    /// Bulk reservation fixes (docs/reservations.md).
    Reservations {
        #[command(subcommand)]
        command: ReservationsCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The back office's key pair for personal data.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// The institution master (docs/institutions.md).
    Institutions {
        #[command(subcommand)]
        command: InstitutionsCommand,
    },
    /// Mail to people (docs/mail.md).
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
}

#[derive(Debug, Subcommand)]
enum MailCommand {
    /// Run only the outbox worker (`sesshu office` runs one too): for a
    /// separate process or host. Needs [mail] and the vault's private key.
    Run {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AdminsCommand {
    /// Add an account (the first system administrator, say). A built-in
    /// account without --password-file gets a generated password, shown once.
    Add {
        #[arg(long)]
        login: String,
        /// system_admin, operator, institution_staff or venue_staff.
        #[arg(long)]
        role: String,
        /// The institution (code) of institution staff.
        #[arg(long)]
        institution: Option<String>,
        /// The venue (id) of venue staff.
        #[arg(long)]
        venue: Option<i64>,
        /// `builtin`, or the code of an institution whose LDAP checks the password.
        #[arg(long, default_value = "builtin")]
        directory: String,
        /// A file whose first line is the password (built-in accounts).
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List the accounts.
    List {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Follow the hash chain of the audit trail; report the first broken link.
    Verify {
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Write a new key pair: DIR/vault.key (private, mode 0600) and DIR/vault.pub.
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
    /// Re-seal every value sealed with the private key --from under the key
    /// pair of the configuration's [vault] (point [vault] at the new pair,
    /// and restart the public process with its public key, first).
    Rotate {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum MembersCommand {
    /// Check a member CSV whole, show the changes, then write them into the
    /// institution's directory (built-in, or the LDAP directory hosted for it).
    Import {
        #[arg(long)]
        institution: String,
        file: PathBuf,
        /// What happens to members the file no longer lists.
        #[arg(long, value_enum, default_value_t = Missing::Disable)]
        missing: Missing,
        /// Check and show the changes; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum ReservationsCommand {
    /// Check a CSV of moves, cancellations and bookings whole, show every
    /// change, then make them all in one transaction (or none).
    Apply {
        file: PathBuf,
        /// Check and show the changes; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Missing {
    /// They can no longer log in.
    Disable,
    /// Their entries are deleted.
    Remove,
    /// Left alone (a partial upload).
    Keep,
}

#[derive(Debug, Subcommand)]
enum InstitutionsCommand {
    /// Check a master file whole, then create or update every institution in
    /// it in one transaction.
    Import {
        file: PathBuf,
        /// Check and show what would change; write nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write the master of every institution (to stdout, or --output).
    Export {
        #[arg(long)]
        output: Option<PathBuf>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // One TLS crypto provider for every library that speaks TLS (LDAP now,
    // the office's client certificates later): ring.
    sesshu::app::install_tls_provider();
    match Cli::parse().command {
        Command::Demo {
            port,
            office_port,
            db,
            people,
            data,
            reset,
        } => run_demo(port, office_port, db, people, data, reset).await,
        Command::Serve { config } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let store = sesshu::app::open_store_with(
                database_url(&config),
                config.database_max_connections,
                config.migrate_on_start,
            )
            .await?;
            let clock: Arc<dyn Clock> = Arc::new(SystemClock);
            let sealing = config
                .vault
                .as_ref()
                .context("[vault] public_key_file is required: see `sesshu keys generate`")?
                .sealing_key()?;
            let parts = Parts::from_config(&config, store.clone(), clock, sealing);
            let app = build(&config, parts, config.listen, &store, None).await?;
            tracing::info!(address = %app.local_addr()?, "serving");
            app.run(shutdown_signal()).await
        }
        Command::Office { config } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let office = config
                .office
                .as_ref()
                .context("[office] is required: see docs/deploy.md")?;
            let keys = config
                .vault
                .as_ref()
                .context("[vault] private_key_file is required: the office opens personal data")?
                .opening_key()?;
            let store = sesshu::app::open_store_with(
                database_url(&config),
                config.database_max_connections,
                config.migrate_on_start,
            )
            .await?;
            let mail = mail_parts(&config)?;
            let parts = OfficeParts {
                store: store.clone(),
                clock: Arc::new(SystemClock),
                keys: sesshu_vault_open::Keyring::new([keys]),
                passwords: sesshu_auth::PasswordPolicy::default(),
                throttle: config.login_throttle.limits(),
                config: sesshu_office::OfficeConfig {
                    mail: office_mail(&config),
                    ..office.office_config()?
                },
                mail,
            };
            if parts.mail.is_none() {
                tracing::warn!("no [mail] in the configuration: no mail is sent");
            }
            let app = OfficeApplication::build(parts, office.listen, office.transport()?).await?;
            #[cfg(feature = "saml")]
            let app = match (&config.saml, &office.public_origin) {
                (Some(saml), Some(origin)) => {
                    let credentials =
                        sesshu_saml::SpCredentials::load(&saml.key_file, &saml.cert_file)?;
                    let sp = sesshu::app::saml_sp(origin, credentials, &store).await?;
                    tracing::info!(entity_id = sp.entity_id(), "office SAML service provider");
                    app.with_saml(sp)
                }
                _ => app,
            };
            tracing::info!(address = %app.local_addr()?, "back office serving (client certificates required)");
            app.run(shutdown_signal()).await
        }
        Command::Mail {
            command: MailCommand::Run { config },
        } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let keys = config
                .vault
                .as_ref()
                .context("[vault] private_key_file is required: the worker opens mail addresses")?
                .opening_key()?;
            let mail = mail_parts(&config)?.context("[mail] is required: see docs/mail.md")?;
            let store = sesshu::app::open_store_with(
                database_url(&config),
                config.database_max_connections,
                config.migrate_on_start,
            )
            .await?;
            let worker = sesshu_mail::Worker::new(
                store,
                sesshu_vault_open::Keyring::new([keys]),
                mail.transport,
                Arc::new(SystemClock),
                mail.settings,
            );
            worker.run(shutdown_signal()).await;
            Ok(())
        }
        Command::Admins { command } => admins_command(command).await,
        Command::Certs { command } => sesshu::certs::run(command).map(drop),
        Command::Institutions { command } => institutions(command).await,
        Command::Keys { command } => keys_command(command).await,
        Command::Audit {
            command: AuditCommand::Verify { config },
        } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let store = open_store(database_url(&config), 2).await?;
            match sesshu::audit::verify(&store).await {
                Ok(n) => {
                    #[allow(clippy::print_stdout)]
                    {
                        println!("{n} audit entries; the chain is intact");
                    }
                    Ok(())
                }
                Err(e) => Err(anyhow::anyhow!("{e}")),
            }
        }
        Command::Members {
            command:
                MembersCommand::Import {
                    institution,
                    file,
                    missing,
                    dry_run,
                    config,
                },
        } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let store = open_store(database_url(&config), 2).await?;
            let missing = match missing {
                Missing::Disable => MissingMembers::Disable,
                Missing::Remove => MissingMembers::Remove,
                Missing::Keep => MissingMembers::Keep,
            };
            let vault = config
                .vault
                .as_ref()
                .and_then(|v| v.private_key_file.as_ref().map(|_| v.opening_key()))
                .transpose()?;
            members::import(
                &store,
                vault.as_ref(),
                &institution,
                &file,
                missing,
                dry_run,
            )
            .await
        }
        Command::Reservations {
            command:
                ReservationsCommand::Apply {
                    file,
                    dry_run,
                    config,
                },
        } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let store = open_store(database_url(&config), 2).await?;
            sesshu::reservations::apply(
                &store,
                &file,
                dry_run,
                sesshu::reservations::language_of_locale(),
            )
            .await
        }
        Command::Migrate { config } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            open_store(database_url(&config), 1).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
    }
}

#[allow(clippy::print_stdout)] // a command's report is its output
async fn admins_command(command: AdminsCommand) -> anyhow::Result<()> {
    match command {
        AdminsCommand::Add {
            login,
            role,
            institution,
            venue,
            directory,
            password_file,
            config,
        } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let store = open_store(database_url(&config), 2).await?;
            let password = password_file
                .map(|path| {
                    std::fs::read_to_string(&path)
                        .with_context(|| format!("cannot read {}", path.display()))
                        .map(|text| text.lines().next().unwrap_or_default().to_owned())
                })
                .transpose()?;
            let added = admins::add(
                &store,
                &sesshu_auth::PasswordPolicy::default(),
                admins::AddAccount {
                    login,
                    role,
                    institution,
                    venue,
                    directory,
                    password,
                },
            )
            .await?;
            println!("account {} added", added.id);
            if let Some(password) = added.generated_password {
                println!("its password (shown once): {password}");
            }
            Ok(())
        }
        AdminsCommand::List { config } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let store = open_store(database_url(&config), 2).await?;
            for a in admins::list(&store).await? {
                let scope = match (a.role.institution(), a.role.venue()) {
                    (Some(i), _) => format!("institution {i}"),
                    (_, Some(v)) => format!("venue {v}"),
                    _ => "all".to_owned(),
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    a.id,
                    a.directory.key(),
                    a.login.as_str(),
                    a.role.code(),
                    scope,
                    if a.disabled { "disabled" } else { "enabled" }
                );
            }
            Ok(())
        }
    }
}

#[allow(clippy::print_stdout)] // a command's report is its output
async fn institutions(command: InstitutionsCommand) -> anyhow::Result<()> {
    match command {
        InstitutionsCommand::Import {
            file,
            dry_run,
            config,
        } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let all = master::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: nothing imported:\n{e}", file.display()))?;
            let store = open_store(database_url(&config), 2).await?;
            if dry_run {
                for new in &all {
                    let exists = store.institution_by_code(&new.code).await?.is_some();
                    let verb = if exists {
                        "would update"
                    } else {
                        "would create"
                    };
                    println!("{verb} {} ({} login)", new.code, new.login.name());
                }
                println!(
                    "{} institutions checked; nothing written (--dry-run)",
                    all.len()
                );
                return Ok(());
            }
            let mut created = 0;
            for new in &all {
                if store.institution_by_code(&new.code).await?.is_none() {
                    created += 1;
                }
            }
            let entry = sesshu::audit::command_entry(
                "institutions.import",
                all.iter()
                    .map(|new| format!("institution:{}", new.code))
                    .collect(),
                format!("{created} created, {} updated", all.len() - created),
            );
            let done = store.save_institutions(&all, &entry).await?;
            for d in &done {
                let verb = if d.created { "created" } else { "updated" };
                println!("{verb} {}", d.code);
            }
            println!("{} institutions imported", all.len());
            Ok(())
        }
        InstitutionsCommand::Export { output, config } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let store = open_store(database_url(&config), 2).await?;
            let text = master::render(&store.institutions().await?)?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
    }
}

/// The application, with GakuNin login when built with it and configured
/// (the demo makes its own SP key in `demo_data`).
#[allow(unused_variables)]
async fn build(
    config: &Config,
    parts: Parts,
    listen: SocketAddr,
    store: &sesshu_store::DynStore,
    demo_data: Option<&std::path::Path>,
) -> anyhow::Result<Application> {
    #[cfg(feature = "saml")]
    {
        let credentials = match (&config.saml, demo_data) {
            (Some(saml), _) => Some(sesshu_saml::SpCredentials::load(
                &saml.key_file,
                &saml.cert_file,
            )?),
            (None, Some(dir)) => Some({
                std::fs::create_dir_all(dir)?;
                sesshu_saml::SpCredentials::load_or_generate(
                    &dir.join("sp.key"),
                    &dir.join("sp.pem"),
                    "sesshu-demo",
                )?
            }),
            (None, None) => None,
        };
        if let Some(credentials) = credentials {
            let origin = config.public_origin.as_deref().context(
                "[saml] needs public_origin (the SP's entity ID and ACS derive from it)",
            )?;
            let listener = sesshu::app::bind(listen).await?;
            let sp = sesshu::app::saml_sp(origin, credentials, store).await?;
            tracing::info!(entity_id = sp.entity_id(), "SAML service provider");
            return Ok(Application::build_with_saml(parts, listener, sp));
        }
    }
    #[cfg(not(feature = "saml"))]
    if config.saml.is_some() {
        tracing::warn!(
            "[saml] is configured but this build has no SAML: rebuild with --features saml"
        );
    }
    Application::build(parts, listen).await
}

#[allow(clippy::print_stdout)] // a command's report is its output
async fn keys_command(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Generate { out } => {
            let key = sesshu::keys::generate(&out)?;
            println!("key {} written:", key.id());
            println!(
                "  {} (private: the back office only, mode 0600)",
                out.join(sesshu::keys::PRIVATE).display()
            );
            println!(
                "  {} (public: the public process)",
                out.join(sesshu::keys::PUBLIC).display()
            );
            println!();
            println!("[vault]");
            println!("public_key_file = {:?}", out.join(sesshu::keys::PUBLIC));
            println!(
                "private_key_file = {:?}   # the back office's configuration only",
                out.join(sesshu::keys::PRIVATE)
            );
            Ok(())
        }
        KeysCommand::Rotate { from, config } => {
            let config = load(config)?;
            logging::init(&config.log_format);
            let vault = config
                .vault
                .as_ref()
                .context("[vault] is needed: the new key pair")?;
            let new = vault.sealing_key()?;
            let old = sesshu_vault_open::OpeningKey::read(&from)
                .with_context(|| format!("old private key {}", from.display()))?;
            anyhow::ensure!(old.id() != new.id(), "--from is the configured key already");
            let store = open_store(database_url(&config), 2).await?;
            let bar = indicatif::ProgressBar::new_spinner();
            let done = sesshu::keys::rotate(&store, &old, &new, SystemClock.now(), |n| {
                bar.set_position(n)
            })
            .await?;
            bar.finish_and_clear();
            sesshu::audit::record_command(
                &store,
                "keys.rotate",
                vec![format!("key:{}", old.id()), format!("key:{}", new.id())],
                format!("{} re-sealed", done.resealed),
            )
            .await?;
            println!(
                "re-sealed {} values from key {} to key {}; {} were under the new key already",
                done.resealed,
                old.id(),
                new.id(),
                done.already_new
            );
            if done.foreign > 0 {
                println!(
                    "{} values are sealed with a third key and were left as they are",
                    done.foreign
                );
            }
            Ok(())
        }
    }
}

fn load(file: Option<PathBuf>) -> anyhow::Result<Config> {
    Config::load(file.as_deref()).map_err(|e| anyhow::anyhow!("configuration: {e}"))
}

#[allow(clippy::print_stdout)] // the demo tells its user where to go
async fn run_demo(
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
        ..load(None)?
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

/// The public site's origin, as mails link to it.
fn site_url(config: &Config) -> String {
    config
        .public_origin
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen))
}

/// The mail worker's parts from `[mail]`, if configured.
fn mail_parts(config: &Config) -> anyhow::Result<Option<MailParts>> {
    let Some(mail) = &config.mail else {
        return Ok(None);
    };
    Ok(Some(MailParts {
        transport: mail.transport()?,
        settings: mail.worker(&site_url(config))?,
    }))
}

/// What the office's mail pages need from `[mail]`.
fn office_mail(config: &Config) -> Option<sesshu_office::OfficeMail> {
    config.mail.as_ref().map(|mail| sesshu_office::OfficeMail {
        site_url: site_url(config),
        outbox: mail.outbox.clone(),
    })
}
