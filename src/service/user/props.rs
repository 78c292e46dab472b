//! Property tests of user input against hostile input: usernames, personal names, birth dates
//! and passwords are accepted exactly by their documented rules, refused with BAD_USER_INPUT
//! otherwise, and never panic the check, whatever the text (0 to 5,000 characters, control
//! characters, any Unicode).

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

use super::{MAX_NAME_CHARS, check_birth_date, clean_name, normalize_username};
use crate::{
    auth::password::{self, MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS},
    service::{
        now,
        props_support::{any_input_text, assert_bad_input, hostile_text, text_near},
    },
};

/// Usernames: plausible ones in any case with padding, boundary lengths, and hostile text
/// (including characters whose lower case is ASCII, like the Kelvin sign).
fn username() -> impl Strategy<Value = String> {
    prop_oneof![
        " {0,2}[a-zA-Z0-9._-]{0,40} {0,2}",
        " ?[a-z\u{212a}\u{130}\u{17f}\u{3a3}0-9._-]{1,34}\t?",
        text_near(3),
        text_near(32),
        any_input_text(32),
    ]
}

proptest! {
    #[test]
    fn usernames_are_accepted_exactly_by_the_rules(raw in username()) {
        match normalize_username(&raw) {
            Ok(username) => {
                prop_assert_eq!(&username, &raw.trim().to_lowercase());
                prop_assert!((3..=32).contains(&username.chars().count()), "{username:?}");
                prop_assert!(username.bytes().all(|b| matches!(b,
                    b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-')), "{username:?}");
            }
            Err(err) => {
                assert_bad_input(&err);
                let normalized = raw.trim().to_lowercase();
                let follows_rules = (3..=32).contains(&normalized.len())
                    && normalized.bytes().all(|b| matches!(b,
                        b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'));
                prop_assert!(!follows_rules, "{raw:?} refused");
            }
        }
    }

    #[test]
    fn personal_names_are_trimmed_and_bounded(raw in any_input_text(MAX_NAME_CHARS)) {
        let trimmed = raw.trim();
        match clean_name("firstName", Some(raw.clone())) {
            Ok(Some(name)) => {
                prop_assert_eq!(name.as_str(), trimmed);
                prop_assert!((1..=MAX_NAME_CHARS).contains(&name.chars().count()));
            }
            Ok(None) => prop_assert!(trimmed.is_empty(), "{raw:?} taken as no name"),
            Err(err) => {
                assert_bad_input(&err);
                prop_assert!(trimmed.chars().count() > MAX_NAME_CHARS, "{raw:?} refused");
            }
        }
    }

    #[test]
    fn birth_dates_are_accepted_from_1900_to_today(
        days in NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce(),
    ) {
        let date = NaiveDate::from_num_days_from_ce_opt(days).expect("in range");
        let in_range = date >= NaiveDate::from_ymd_opt(1900, 1, 1).unwrap()
            && date <= now().date_naive();
        match check_birth_date(date) {
            Ok(accepted) => prop_assert!(in_range && accepted == date, "{date}"),
            Err(err) => {
                assert_bad_input(&err);
                prop_assert!(!in_range, "{date} refused");
            }
        }
    }

    #[test]
    fn passwords_are_accepted_exactly_by_length(
        raw in prop_oneof![
            any_input_text(MAX_PASSWORD_CHARS),
            text_near(MIN_PASSWORD_CHARS),
            hostile_text(12),
        ],
    ) {
        // Not trimmed: every character counts, spaces and control characters included.
        let chars = raw.chars().count();
        match password::validate(&raw) {
            Ok(()) => prop_assert!((MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars)),
            Err(err) => {
                assert_bad_input(&err);
                prop_assert!(!(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars));
            }
        }
    }
}
