use super::*;

const GOOD: &str = "login,user_type,name_kanji,name_kana,name_roman,mail,department,password\n\
hanako,student,青葉 花子,あおば はなこ,Hanako Aoba,hanako@aoba.example.ac.jp,eng,initial-pass-1\n\
taro,教職員,広瀬 太郎,ひろせ たろう,Taro Hirose,,,initial-pass-2\n";

#[test]
fn a_good_file_parses_in_utf8_with_or_without_bom_and_in_cp932() {
    let rows = parse(&decode(GOOD.as_bytes()).unwrap()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].profile.display_name_ja.as_deref(),
        Some("青葉 花子")
    );
    assert_eq!(rows[1].user_type, UserType::Staff);
    assert_eq!(rows[1].profile.mail, None);
    assert_eq!(rows[0].line, 2);

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(GOOD.as_bytes());
    assert_eq!(parse(&decode(&bom).unwrap()).unwrap(), rows);

    let (cp932, _, unmappable) = encoding_rs::SHIFT_JIS.encode(GOOD);
    assert!(!unmappable);
    assert_eq!(parse(&decode(&cp932).unwrap()).unwrap(), rows);
}

#[test]
fn every_problem_is_reported_with_line_and_column() {
    let bad = "login,user_type,mail,department,password\n\
               hanako,student,not-a-mail,eng,initial-pass-1\n\
               taro,teacher,,eng,short\n\
               hanako,staff,,e n g,initial-pass-3\n\
               ,student,,,initial-pass-4\n";
    let errors = parse(bad).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "line 2, column 3 (mail): expected one address like name@example.ac.jp",
            "line 3, column 2 (user_type): \"teacher\" is neither staff (教職員) nor student (学生)",
            "line 3, column 5 (password): an initial password needs at least 8 characters",
            "line 4, column 1 (login): also on line 2",
            "line 4, column 4 (department): use 1 to 32 ASCII letters, digits, '-' or '_'",
            "line 5, column 1 (login): is empty",
        ]
    );
}

#[test]
fn header_problems_and_ragged_rows_are_reported() {
    let errors = parse("login,name,user_type,user_type\nx,y,student,student\n").unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        text[0].starts_with("line 1, column 2 (name): unknown column"),
        "{text:?}"
    );
    assert_eq!(
        text[1],
        "line 1, column 4 (user_type): this column appears twice"
    );
    let errors = parse("login,user_type\nx,student,extra\n").unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "line 2: 3 fields where the header has 2"
    );
    let errors = parse("mail\nx@y\n").unwrap_err();
    assert_eq!(errors.len(), 2, "login and user_type are required");
}

#[test]
fn a_file_in_neither_encoding_is_refused_with_its_line() {
    let mut bytes = b"login,user_type\nok,student\n".to_vec();
    bytes.extend_from_slice(b"\xFF\xFE,student\n");
    let error = decode(&bytes).unwrap_err();
    assert_eq!(error.line, 3);
}

fn current(login: &str, kind: UserType) -> Current {
    Current {
        login: Subject::parse(login).unwrap(),
        user_type: Some(kind),
        department: None,
        profile: Profile::default(),
        disabled: false,
    }
}

#[test]
fn the_plan_adds_updates_and_disables() {
    let rows = parse(GOOD).unwrap();
    let existing = vec![
        Current {
            profile: rows[0].profile.clone(),
            department: rows[0].department.clone(),
            ..current("hanako", UserType::Student)
        },
        current("gone", UserType::Staff),
    ];
    let mut without_password = rows.clone();
    without_password[0].password = None;
    let plan = plan(without_password, existing.clone(), MissingMembers::Disable).unwrap();
    assert_eq!(plan.unchanged, 1);
    assert_eq!(plan.add.len(), 1);
    assert_eq!(plan.add[0].login.as_str(), "taro");
    assert_eq!(plan.disable, vec![Subject::parse("gone").unwrap()]);
    assert!(plan.remove.is_empty());

    let removing = super::plan(rows.clone(), existing.clone(), MissingMembers::Remove).unwrap();
    assert_eq!(removing.remove.len(), 1);
    assert_eq!(removing.update.len(), 1, "a new password is a change");
    assert_eq!(removing.update[0].1, vec!["password"]);
    let keeping = super::plan(rows, existing, MissingMembers::Keep).unwrap();
    assert!(keeping.disable.is_empty() && keeping.remove.is_empty());
}

#[test]
fn a_new_member_without_a_password_is_refused() {
    let rows = parse("login,user_type\nnew,student\n").unwrap();
    let errors = plan(rows, Vec::new(), MissingMembers::Keep).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "line 2: a new member needs a password"
    );
}
