//! Writing a member upload into the LDAP directory the operator hosts for an
//! institution. (The built-in directory's side lives with the back office,
//! which can open the sealed data it compares against.)
//!
//! LDAP has no transactions: changes are written one by one, and a failure
//! part way stops the run with a report of what was written ([`Partial`]),
//! so the office can fix the cause and upload again (an upload is
//! idempotent).
//!
//! Hosted entries are `inetOrgPerson`s named `uid=<login>,<people>`:
//! `cn` and `sn` (the Latin name, or the login), `displayName` (Latin
//! name), `cn;lang-ja` (kanji), `cn;lang-ja;phonetic` (kana), `mail`,
//! `employeeType` (`staff`/`student`), `ou` (department code). Passwords are
//! set with the Password Modify operation, so the server hashes them with
//! its own scheme; a disabled member has no `userPassword`.

use crate::ldap::{Connection, LdapFailure};
use crate::roster::{Current, Password, Plan, RosterRow};
use ldap3::{Mod, Scope};
use sesshu_domain::{
    DepartmentCode, HostedDirectory, LdapSettings, MailAddress, Profile, Subject, UserType,
};
use std::collections::{HashMap, HashSet};

/// How far a partly applied upload got, when LDAP failed part way.
#[derive(Debug)]
pub struct Partial {
    /// What was written, in order.
    pub done: Vec<String>,
    /// What failed, and why (no personal data: logins only).
    pub failed: String,
    pub error: String,
}

/// One step written, for progress bars.
pub type Progress<'a> = &'a mut (dyn FnMut(&str) + Send);

// --- a hosted LDAP directory ------------------------------------------------

const ATTRS: [&str; 9] = [
    "uid",
    "cn",
    "displayName",
    "cn;lang-ja",
    "cn;lang-ja;phonetic",
    "mail",
    "employeeType",
    "ou",
    "userPassword",
];

fn first(attrs: &HashMap<String, Vec<String>>, name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first().cloned())
}

async fn admin(settings: &LdapSettings) -> Result<(Connection, &HostedDirectory), LdapFailure> {
    let hosted = settings.hosted.as_ref().ok_or_else(|| {
        LdapFailure::Secret("hosted settings (this directory is not hosted)".into())
    })?;
    let mut conn = Connection::open(settings).await?;
    conn.bind_as(&hosted.admin).await?;
    Ok((conn, hosted))
}

fn dn(hosted: &HostedDirectory, login: &Subject) -> String {
    format!("uid={},{}", ldap3::dn_escape(login.as_str()), hosted.people)
}

/// The members of a hosted directory, as an upload compares them.
pub async fn ldap_current(settings: &LdapSettings) -> Result<Vec<Current>, LdapFailure> {
    let (mut conn, hosted) = admin(settings).await?;
    let entries = conn
        .search(
            &hosted.people,
            Scope::OneLevel,
            "(objectClass=inetOrgPerson)",
            &ATTRS,
        )
        .await?;
    conn.close().await;
    Ok(entries
        .into_iter()
        .filter_map(|e| {
            let login = Subject::parse(&first(&e.attrs, "uid")?).ok()?;
            Some(Current {
                login,
                user_type: first(&e.attrs, "employeeType").and_then(|t| UserType::parse(&t).ok()),
                department: first(&e.attrs, "ou").and_then(|d| DepartmentCode::parse(&d).ok()),
                profile: Profile {
                    display_name: first(&e.attrs, "displayName"),
                    display_name_ja: first(&e.attrs, "cn;lang-ja"),
                    name_kana: first(&e.attrs, "cn;lang-ja;phonetic"),
                    mail: first(&e.attrs, "mail").and_then(|m| MailAddress::parse(&m).ok()),
                },
                disabled: first(&e.attrs, "userPassword").is_none(),
            })
        })
        .collect())
}

/// The attributes of an entry for a row (without `objectClass`/`uid`).
fn values(row: &RosterRow) -> Vec<(&'static str, Option<String>)> {
    let latin = row.profile.display_name.clone();
    let cn = latin
        .clone()
        .unwrap_or_else(|| row.login.as_str().to_owned());
    vec![
        ("cn", Some(cn.clone())),
        ("sn", Some(cn)),
        ("displayName", latin),
        ("cn;lang-ja", row.profile.display_name_ja.clone()),
        ("cn;lang-ja;phonetic", row.profile.name_kana.clone()),
        (
            "mail",
            row.profile.mail.as_ref().map(|m| m.as_str().to_owned()),
        ),
        ("employeeType", Some(row.user_type.as_str().to_owned())),
        ("ou", row.department.as_ref().map(|d| d.as_str().to_owned())),
    ]
}

fn set(value: String) -> HashSet<String> {
    HashSet::from([value])
}

/// Writes a plan into a hosted LDAP directory, change by change.
pub async fn ldap_apply(
    settings: &LdapSettings,
    plan: &Plan,
    progress: Progress<'_>,
) -> Result<Vec<String>, Partial> {
    let mut done = Vec::new();
    let fail = |done: &mut Vec<String>, failed: String, error: &LdapFailure| Partial {
        done: std::mem::take(done),
        failed,
        error: error.summary(),
    };
    let (mut conn, hosted) = admin(settings)
        .await
        .map_err(|e| fail(&mut done, "connecting as the directory's admin".into(), &e))?;

    for row in &plan.add {
        let entry = dn(hosted, &row.login);
        let mut attrs: Vec<(String, HashSet<String>)> = vec![
            (
                "objectClass".into(),
                ["top", "person", "organizationalPerson", "inetOrgPerson"]
                    .map(String::from)
                    .into(),
            ),
            ("uid".into(), set(row.login.as_str().to_owned())),
        ];
        attrs.extend(
            values(row)
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), set(v)))),
        );
        let step = format!("add {}", row.login.as_str());
        let added = conn
            .ldap
            .add(&entry, attrs)
            .await
            .map_err(LdapFailure::from);
        if let Err(e) = added.and_then(|r| r.success().map_err(LdapFailure::from)) {
            return Err(fail(&mut done, step, &e));
        }
        if let Err(e) = set_password(&mut conn, &entry, row).await {
            return Err(fail(
                &mut done,
                format!("set the password of {}", row.login.as_str()),
                &e,
            ));
        }
        progress(&step);
        done.push(step);
    }

    for (row, changed) in &plan.update {
        let entry = dn(hosted, &row.login);
        let mods: Vec<Mod<String>> = values(row)
            .into_iter()
            .map(|(k, v)| Mod::Replace(k.to_owned(), v.map(set).unwrap_or_default()))
            .collect();
        let step = format!("update {} ({})", row.login.as_str(), changed.join(", "));
        let modified = conn
            .ldap
            .modify(&entry, mods)
            .await
            .map_err(LdapFailure::from);
        if let Err(e) = modified.and_then(|r| r.success().map_err(LdapFailure::from)) {
            return Err(fail(&mut done, step, &e));
        }
        if row.password.is_some()
            && let Err(e) = set_password(&mut conn, &entry, row).await
        {
            return Err(fail(
                &mut done,
                format!("set the password of {}", row.login.as_str()),
                &e,
            ));
        }
        progress(&step);
        done.push(step);
    }

    for login in &plan.disable {
        let step = format!("disable {}", login.as_str());
        let mods = vec![Mod::Replace("userPassword".to_owned(), HashSet::new())];
        let modified = conn
            .ldap
            .modify(&dn(hosted, login), mods)
            .await
            .map_err(LdapFailure::from);
        if let Err(e) = modified.and_then(|r| r.success().map_err(LdapFailure::from)) {
            return Err(fail(&mut done, step, &e));
        }
        progress(&step);
        done.push(step);
    }

    for login in &plan.remove {
        let step = format!("remove {}", login.as_str());
        let deleted = conn
            .ldap
            .delete(&dn(hosted, login))
            .await
            .map_err(LdapFailure::from);
        if let Err(e) = deleted.and_then(|r| r.success().map_err(LdapFailure::from)) {
            return Err(fail(&mut done, step, &e));
        }
        progress(&step);
        done.push(step);
    }
    conn.close().await;
    Ok(done)
}

async fn set_password(
    conn: &mut Connection,
    entry: &str,
    row: &RosterRow,
) -> Result<(), LdapFailure> {
    match &row.password {
        None => Ok(()),
        Some(Password::Plain(plain)) => {
            conn.ldap
                .with_timeout(conn.timeout())
                .extended(ldap3::exop::PasswordModify {
                    user_id: Some(entry),
                    old_pass: None,
                    new_pass: Some(plain),
                })
                .await?
                .success()?;
            Ok(())
        }
        Some(Password::Hash(_)) => Err(LdapFailure::Secret(
            "an Argon2id hash (LDAP entries take initial passwords, which the server hashes)"
                .into(),
        )),
    }
}
