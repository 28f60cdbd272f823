//! `rapport user create`: the first admin of a new tenant, or a user in an existing one.

use std::io::BufRead;
use std::str::FromStr;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::auth::{password, tokens};
use crate::cli::database;
use crate::config::Settings;
use crate::domain::roles::Role;
use crate::domain::tenants::{self, NewTenant};
use crate::domain::users::{self, NewUser};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. With --tenant-name, also creates the tenant (the user is its first admin).
    Create(CreateUser),
}

#[derive(Debug, Args)]
pub struct CreateUser {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// admin, manager or rep.
    #[arg(long, default_value = "rep")]
    role: String,
    /// The tenant's slug (lowercase letters, digits, dashes).
    #[arg(long)]
    tenant: String,
    /// Create the tenant with this display name if it does not exist.
    #[arg(long)]
    tenant_name: Option<String>,
    /// Read the password from the first line of standard input. Otherwise a strong one is
    /// generated and printed once.
    #[arg(long)]
    password_stdin: bool,
}

pub async fn run(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Create(args) = command;
    let role = Role::from_str(&args.role).map_err(anyhow::Error::msg)?;
    tenants::validate_slug(&args.tenant).map_err(anyhow::Error::msg)?;
    let email = users::normalize_email(&args.email);
    if !email.contains('@') || email.starts_with('@') || email.ends_with('@') {
        bail!("`{}` is not an email address", args.email);
    }
    let (plain_password, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        (line.trim_end_matches(['\n', '\r']).to_owned(), false)
    } else {
        (tokens::random_token()?[..20].to_owned(), true)
    };
    password::check_strength(&plain_password)
        .map_err(|msg| anyhow::anyhow!("password rejected: {msg}"))?;
    let to_hash = plain_password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&to_hash)).await??;

    let database = database::open(settings).await?;
    let result = async {
        database::migrate(&database.url).await?;
        let db = database.pool(settings)?;
        let (email, name, tenant_slug, tenant_name) = (email.clone(), args.name.clone(), args.tenant.clone(), args.tenant_name.clone());
        tokio::task::spawn_blocking(move || {
            db.system_blocking(|conn| {
                let tenant = match tenants::find_by_slug(conn, &tenant_slug)? {
                    Some(tenant) => tenant,
                    None => {
                        let Some(tenant_name) = tenant_name.as_deref() else {
                            bail!("there is no tenant `{tenant_slug}`; pass --tenant-name to create it");
                        };
                        if role != Role::Admin {
                            bail!("the first user of a new tenant must be an admin (--role admin)");
                        }
                        tenants::create(conn, &NewTenant { slug: &tenant_slug, name: tenant_name, time_zone: "UTC", currency: "USD" })?
                    }
                };
                if users::find_by_email(conn, &email)?.is_some() {
                    bail!("a user with the email {email} already exists");
                }
                users::create(
                    conn,
                    &NewUser {
                        tenant_id: tenant.id,
                        email: &email,
                        name: name.trim(),
                        password_hash: &hash,
                        role: role.as_str(),
                        team_id: None,
                        manager_id: None,
                    },
                )?;
                Ok(tenant.name)
            })
        })
        .await?
    }
    .await;
    let finished = database.finish();
    let tenant_name = result?;
    finished?;
    println!("Created {} ({}) in {tenant_name}.", email, role.label());
    if generated {
        println!("Password (shown once; ask them to keep it safe): {plain_password}");
    }
    Ok(())
}
