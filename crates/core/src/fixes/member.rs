//! The person of an institution's member, for a booking the office makes.

use crate::bookings::{BookingError, Bookings};
use sesshu_domain::{Institution, Language, Person, PersonId, Subject};
use sesshu_store::PersonLogin;

impl Bookings {
    /// The person of an institution's member: the one who signed in, or
    /// — for the built-in directory, whose roster Sesshu holds — one to be
    /// made from the roster (with the login that makes it; its id is 0
    /// until then). `None`: a member Sesshu has never seen.
    pub async fn member_person(
        &self,
        institution: &Institution,
        member: &Subject,
    ) -> Result<Option<(Person, Option<PersonLogin>)>, BookingError> {
        let store = self.store();
        if let Some(person) = store.person_by_subject(institution.id, member).await? {
            return Ok(Some((person, None)));
        }
        let rostered = match institution.login {
            sesshu_domain::LoginMethod::Builtin => store
                .member(institution.id, member)
                .await?
                .filter(|m| !m.disabled),
            _ => None,
        };
        Ok(rostered.map(|m| {
            let person = Person {
                id: PersonId::new(0),
                institution: institution.id,
                user_type: Some(m.user_type),
                department: m.department.clone(),
            };
            let login = PersonLogin {
                institution: institution.id,
                subject: m.login,
                user_type: Some(m.user_type),
                department: m.department,
                at: self.now(),
                personal: None,
                consented: None,
                reassignable: false,
            };
            (person, Some(login))
        }))
    }
}

/// Why the office cannot book for a member yet.
pub fn never_signed_in(lang: Language) -> &'static str {
    match lang {
        Language::Ja => {
            "この利用者はまだ一度もログインしていません (名簿を Sesshu に置いていない機関では、一度ログインしてもらう必要があります)"
        }
        Language::En => {
            "this member has never signed in (for an institution whose roster Sesshu does not hold, they must sign in once)"
        }
    }
}
