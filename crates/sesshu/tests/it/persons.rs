//! Persons: one per institution login, refreshed at each login; an ePPN
//! unused for 24 months starts a new person.

use crate::helpers::*;
use sesshu_domain::{Profile, Subject, UserType};
use sesshu_store::{Owner, PersonLogin};

fn login(
    app: &TestApp,
    subject: &str,
    at: chrono::DateTime<chrono::Utc>,
    reassignable: bool,
) -> PersonLogin {
    PersonLogin {
        institution: app.fixture.uni,
        subject: Subject::parse(subject).unwrap(),
        user_type: Some(UserType::Student),
        department: None,
        at,
        personal: None,
        consented: None,
        reassignable,
    }
}

on_both_databases! {
    async fn an_eppn_unused_for_two_years_is_a_new_person(app) {
        let start = start_of_tests();
        let first = app.store.person_for_login(&login(&app, "taro@uni.example", start, true)).await.unwrap();
        let soon = start + chrono::Duration::days(700);
        let same = app.store.person_for_login(&login(&app, "taro@uni.example", soon, true)).await.unwrap();
        assert_eq!(same.id, first.id, "seen within 24 months: the same person");

        let later = soon + chrono::Duration::days(731);
        let new = app.store.person_for_login(&login(&app, "taro@uni.example", later, true)).await.unwrap();
        assert_ne!(new.id, first.id, "unused for over 24 months: someone new");

        // A targeted id is never reassigned: no gap makes a new person.
        let a = app.store.person_for_login(&login(&app, "opaque-id-1", start, false)).await.unwrap();
        let b = app.store.person_for_login(&login(&app, "opaque-id-1", later, false)).await.unwrap();
        assert_eq!(a.id, b.id);
    }

    async fn a_login_refreshes_attributes_and_profile(app) {
        let owner = Owner::login(app.fixture.uni.get(), "hanako");
        let sealed = |name: &str| {
            let profile = Profile { display_name: Some(name.into()), ..Profile::default() };
            Some(sesshu_auth::seal_profile(app.vault.sealing_key(), &owner, &profile).unwrap())
        };
        let mut l = login(&app, "hanako", start_of_tests(), false);
        l.personal = sealed("Hanako");
        app.store.person_for_login(&l).await.unwrap();
        l.user_type = None;
        l.personal = sealed("Hanako Y.");
        let person = app.store.person_for_login(&l).await.unwrap();
        assert_eq!(person.user_type, None, "a withheld type is not kept from before");
        let profile = app.personal(app.fixture.uni, "hanako").await;
        assert_eq!(profile.display_name.as_deref(), Some("Hanako Y."));

        // A login that carries no personal data (the built-in directory's is
        // already stored) leaves it as it is.
        l.personal = None;
        app.store.person_for_login(&l).await.unwrap();
        assert_eq!(app.personal(app.fixture.uni, "hanako").await.display_name.as_deref(), Some("Hanako Y."));
    }
}
