//! The member roster page (名簿) for institution staff: a member CSV into
//! the built-in directory, every problem at its line and column, a preview,
//! then one transaction; and the members per department.

use crate::helpers::{on_both_databases, visible_text};
use crate::office_kit::{TestOffice, audited};
use crate::office_reservations::confirmation_text;
use reqwest::StatusCode;
use sesshu_domain::{Role, Subject, UserType};

on_both_databases! {
    async fn institution_staff_upload_their_roster_and_see_it_per_department(app) {
        let f = app.fixture.clone();
        app.member(f.uni, "old1", UserType::Staff).await;
        let mut office = TestOffice::spawn(&app).await;
        let staff = office
            .signed_in(&app, "desk", Role::InstitutionStaff { institution: f.uni })
            .await;
        let uni = f.uni.to_string();
        let page = staff.get("/members").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(visible_text(&page.html).contains("(部局なし) 1 1"), "{}", visible_text(&page.html));

        let header = "login,user_type,name_kanji,name_kana,name_roman,mail,department,password\n";
        let bad = format!(
            "{header}hanako,学生,青葉 花子,あおば はなこ,Hanako Aoba,hanako@uni.example.ac.jp,eng,Initial-pass-1\n\
             jiro,先生,,,,not-a-mail,eng,short\n"
        );
        let (cp932, _, _) = encoding_rs::SHIFT_JIS.encode(&bad);
        let refused = staff
            .upload_with("/members/preview", &[("institution", &uni), ("missing", "keep")], "m.csv", cp932.into_owned())
            .await;
        let text = visible_text(&refused.html);
        assert!(text.contains("3 user_type"), "{text}");
        assert!(text.contains("3 mail"), "{text}");
        assert!(text.contains("3 password"), "{text}");
        assert!(!refused.html.contains("id=\"members-apply\""));

        let good = format!(
            "{header}hanako,学生,青葉 花子,あおば はなこ,Hanako Aoba,hanako@uni.example.ac.jp,eng,Initial-pass-1\n\
             taro,教職員,髙橋 太郎,たかはし たろう,Taro Takahashi,,adm,Initial-pass-2\n"
        );
        let preview = staff
            .upload_with("/members/preview", &[("institution", &uni), ("missing", "disable")], "m.csv", good.into_bytes())
            .await;
        let text = visible_text(&preview.html);
        assert!(preview.html.contains("id=\"members-apply\""), "{text}");
        assert!(app.store.member(f.uni, &Subject::parse("hanako").unwrap()).await.unwrap().is_none(),
            "a preview writes nothing");
        let applied = staff
            .post("/members", &[("institution", &uni), ("missing", "disable"), ("text", &confirmation_text(&preview.html))])
            .await;
        let text = visible_text(&applied.html);
        assert!(text.contains("反映しました"), "{text}");
        assert!(text.contains("eng 1 1") && text.contains("adm 1 1"), "{text}");
        let hanako = app.store.member(f.uni, &Subject::parse("hanako").unwrap()).await.unwrap().unwrap();
        assert_eq!(hanako.department.unwrap().as_str(), "eng");
        assert!(app.store.member(f.uni, &Subject::parse("old1").unwrap()).await.unwrap().unwrap().disabled,
            "not in the file: disabled");
        let profile = app.personal(f.uni, "hanako").await;
        assert_eq!(profile.display_name_ja.as_deref(), Some("青葉 花子"), "sealed with the office's key");
        let client = app.client();
        let (status, _) = client
            .post("/api/v1/login", &serde_json::json!({"institution": "uni", "login": "hanako", "password": "Initial-pass-1"}))
            .await;
        assert_eq!(status, StatusCode::OK, "the new member logs in");
        assert_eq!(audited(&app, "members.import").await.len(), 1);

        // Another institution's roster is not theirs.
        let other = staff
            .post("/members", &[("institution", &f.staff_only.to_string()), ("missing", "keep"), ("text", "x\n")])
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
    }
}
