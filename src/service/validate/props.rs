//! Property tests of the shared text rule against hostile input: `required_text` never
//! panics, and what it accepts is exactly the input trimmed, non-empty, at most `max`
//! characters and free of control characters; what it refuses breaks one of those rules.
//! Keys (the case-insensitive unique keys of serial numbers and models) are stable.

use proptest::prelude::*;

use super::{key, required_text};
use crate::service::props_support::{any_input_text, hostile_text};

proptest! {
    #[test]
    fn required_text_accepts_exactly_the_rules(
        (max, value) in (0usize..=300).prop_flat_map(|max| (Just(max), any_input_text(max))),
    ) {
        let trimmed = value.trim();
        let follows_rules = !trimmed.is_empty()
            && trimmed.chars().count() <= max
            && !trimmed.chars().any(char::is_control);
        match required_text("field", &value, max) {
            Ok(accepted) => {
                prop_assert!(follows_rules, "{value:?} accepted for max {max}");
                prop_assert_eq!(accepted.as_str(), trimmed);
                prop_assert_eq!(accepted.trim(), accepted.as_str(), "nothing left to trim");
            }
            Err(message) => {
                prop_assert!(!follows_rules, "{value:?} refused for max {max}: {message}");
                prop_assert!(message.starts_with("field must"), "{message}");
            }
        }
    }

    #[test]
    fn keys_ignore_ascii_case_and_surrounding_space(value in hostile_text(20)) {
        let k = key(&value);
        prop_assert_eq!(key(&k), k.clone(), "a key is its own key");
        prop_assert_eq!(key(&format!(" \t{value}\n ")), k.clone());
        prop_assert_eq!(key(&value.to_ascii_uppercase()), k);
    }
}
