//! Property tests of cursor decoding against hostile input.
//!
//! A cursor is the one piece of pagination a client can forge. These properties prove that
//! whatever string arrives (random text, random bytes in base64, JSON of the wrong shape, types
//! or size, JSON nested thousands deep, a cursor of another ordering) decoding ends in Ok or
//! BAD_USER_INPUT without panicking; that every cursor the server writes for a row decodes back
//! to that row's exact sort-key values; and that the keyset condition built from any accepted
//! cursor carries the cursor's values only as bind parameters.

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use chrono::{DateTime, Utc};
use proptest::{collection::vec, prelude::*};
use serde_json::{Value as Json, json};

use super::{
    KeyKind, KeyValue, SortDirection, SortKey, decode_cursor, encode_cursor, keyset_condition,
    signature,
};
use crate::{
    entity::camera,
    service::{
        camera::CameraSort,
        props_support::{
            assert_bad_input, assert_no_inlined_text, bound_strings, hostile_text, render,
        },
    },
};

type Order = Vec<(CameraSort, SortDirection)>;

const KEYS: [CameraSort; 4] = [
    CameraSort::Model,
    CameraSort::Brand,
    CameraSort::Megapixels,
    CameraSort::CreatedAt,
];

fn direction() -> impl Strategy<Value = SortDirection> {
    prop_oneof![Just(SortDirection::Asc), Just(SortDirection::Desc)]
}

/// An ordering with each field at most once, in any order and direction: what the API should
/// accept. (It takes repeated fields today, whose cursors outgrow the 4,096-character cap: see
/// tests/api/hostile_input.rs.)
fn order() -> impl Strategy<Value = Order> {
    proptest::sample::subsequence(KEYS.to_vec(), 0..=KEYS.len())
        .prop_shuffle()
        .prop_flat_map(|keys| {
            let n = keys.len();
            vec(direction(), n).prop_map(move |dirs| keys.iter().copied().zip(dirs).collect())
        })
}

/// Instants a row can hold (years 0 to 9999: what RFC 3339 writes), to the microsecond.
fn row_instant() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_167_219_200_000_000i64..=253_402_300_799_999_999)
        .prop_map(|micros| DateTime::from_timestamp_micros(micros).expect("in chrono's range"))
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        proptest::sample::select(&[0.0, -0.0, f64::MIN_POSITIVE, f64::MAX, f64::MIN, 5e-324][..]),
    ]
}

/// A camera row with the longest values validation lets through (100 characters of model and
/// brand, any of them up to four bytes and some needing JSON escapes).
fn row() -> impl Strategy<Value = camera::Model> {
    // Stored text never holds NUL: the gateway refuses it in every request.
    let text = || {
        vec(
            prop_oneof![any::<char>(), Just('"'), Just('\\'), Just('\u{10ffff}')],
            0..=100,
        )
        .prop_map(|chars| chars.into_iter().filter(|c| *c != '\0').collect::<String>())
    };
    (1..=i64::MAX, text(), text(), finite(), row_instant()).prop_map(
        |(id, model, brand, megapixels, created_at)| camera::Model {
            id,
            model_key: model.to_lowercase(),
            model,
            brand,
            megapixels,
            created_at,
            updated_at: created_at,
        },
    )
}

/// Decodes `raw` for `order`; anything but Ok or BAD_USER_INPUT fails the property.
fn decode(raw: &str, order: &Order) -> Option<(Vec<KeyValue>, i64)> {
    match decode_cursor(raw, &signature(order), order) {
        Ok(decoded) => Some(decoded),
        Err(err) => {
            assert_bad_input(&err);
            None
        }
    }
}

/// Bit-exact comparison: `0.0 == -0.0` would hide a float that lost its sign on the way.
fn same_values(a: &[KeyValue], b: &[KeyValue]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (KeyValue::Float(x), KeyValue::Float(y)) => x.to_bits() == y.to_bits(),
            (x, y) => x == y,
        })
}

/// JSON of any shape, with the numbers and strings that trip typed decoding.
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        hostile_text(6).prop_map(Json::from),
        proptest::sample::select(&["NaN", "inf", "-0.0", "1e999", "2026-13-45T99:99:99Z"][..])
            .prop_map(Json::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Json::from),
            vec(("[a-z]{1,2}", inner), 0..6)
                .prop_map(|fields| Json::Object(fields.into_iter().collect())),
        ]
    })
}

/// Something shaped like a cursor body, each part possibly of the wrong type or value.
fn cursor_like_json() -> impl Strategy<Value = Json> {
    let o = prop_oneof![
        order().prop_map(|o| Json::from(signature(&o))),
        hostile_text(4).prop_map(Json::from),
        json_value(),
    ];
    let k = prop_oneof![
        vec(hostile_text(4).prop_map(Json::from), 0..6).prop_map(Json::from),
        vec(json_value(), 0..6).prop_map(Json::from),
        json_value(),
    ];
    let i = prop_oneof![
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        json_value(),
    ];
    (o, k, i, proptest::option::of(json_value())).prop_map(|(o, k, i, extra)| {
        let mut body = json!({ "o": o, "k": k, "i": i });
        if let Some(extra) = extra {
            body["x"] = extra;
        }
        body
    })
}

/// Raw JSON text numbers beyond every native type, which `json!` cannot even hold.
fn huge_number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[1-9][0-9]{19,400}",
        "-[1-9][0-9]{19,400}",
        "[1-9]\\.[0-9]{1,20}e[1-9][0-9]{3,6}",
        "-?0\\.[0-9]{1,20}e-[1-9][0-9]{3,6}",
    ]
}

proptest! {
    #[test]
    fn any_string_decodes_to_ok_or_bad_input(raw in prop_oneof![
        hostile_text(40),
        "[A-Za-z0-9_-]{0,6000}",
        "[A-Za-z0-9+/=_-]{0,200}",
    ], order in order()) {
        decode(&raw, &order);
    }

    #[test]
    fn any_bytes_in_base64_decode_to_ok_or_bad_input(
        bytes in vec(any::<u8>(), 0..4000),
        order in order(),
    ) {
        decode(&URL_SAFE_NO_PAD.encode(&bytes), &order);
        // Padded standard base64 uses characters the cursor alphabet has not.
        decode(&STANDARD.encode(&bytes), &order);
    }

    #[test]
    fn json_of_any_shape_decodes_to_ok_or_bad_input(
        body in prop_oneof![json_value(), cursor_like_json()],
        order in order(),
    ) {
        let raw = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap());
        if let Some((values, id)) = decode(&raw, &order) {
            // Accepted only when it is a well-formed body for this very ordering.
            prop_assert_eq!(&body["o"], &json!(signature(&order)));
            prop_assert!(id > 0);
            prop_assert_eq!(values.len(), order.len());
        }
    }

    #[test]
    fn huge_numbers_anywhere_decode_to_ok_or_bad_input(
        number in huge_number_text(),
        slot in 0usize..3,
        order in order(),
    ) {
        let sig = serde_json::to_string(&signature(&order)).unwrap();
        let body = match slot {
            0 => format!(r#"{{"o":{sig},"k":[],"i":{number}}}"#),
            1 => format!(r#"{{"o":{sig},"k":[{number}],"i":1}}"#),
            _ => format!(r#"{{"o":{number},"k":[],"i":1}}"#),
        };
        prop_assert!(decode(&URL_SAFE_NO_PAD.encode(body), &order).is_none());
    }

    #[test]
    fn json_nested_any_depth_is_refused_without_overflowing_the_stack(
        depth in 1usize..3000,
        open in prop_oneof![Just("["), Just("{\"k\":")],
        slot in 0usize..3,
    ) {
        let order: Order = vec![(CameraSort::Model, SortDirection::Asc)];
        let nested = open.repeat(depth);
        let body = match slot {
            0 => nested,
            1 => format!(r#"{{"o":"MODEL.ASC,ID.ASC","k":{nested}"#),
            _ => format!(r#"{{"o":"MODEL.ASC,ID.ASC","k":["a"],"i":{nested}"#),
        };
        prop_assert!(decode(&URL_SAFE_NO_PAD.encode(body), &order).is_none());
    }

    #[test]
    fn cursors_round_trip_exactly(row in row(), order in order()) {
        let sig = signature(&order);
        let raw = encode_cursor(&sig, &order, &row);
        let (values, id) = decode_cursor(&raw, &sig, &order)
            .unwrap_or_else(|err| panic!("own cursor refused ({} chars): {err}", raw.len()));
        let expected: Vec<KeyValue> = order.iter().map(|(key, _)| key.value(&row)).collect();
        prop_assert!(same_values(&values, &expected), "{values:?} != {expected:?}");
        prop_assert_eq!(id, row.id);
    }

    #[test]
    fn key_values_round_trip_exactly(value in prop_oneof![
        // Without NUL, which no stored row holds (and a cursor holding it is refused).
        any::<String>().prop_map(|s| KeyValue::Text(s.replace('\0', ""))),
        hostile_text(40).prop_map(|s| KeyValue::Text(s.replace('\0', ""))),
        finite().prop_map(KeyValue::Float),
        row_instant().prop_map(KeyValue::Time),
    ]) {
        let back = KeyValue::decode(value.kind(), value.encode().as_deref());
        prop_assert!(back.is_some_and(|back| same_values(&[back], std::slice::from_ref(&value))));
    }

    #[test]
    fn cursors_of_another_ordering_are_refused(
        row in row(),
        made_for in order(),
        used_with in order(),
    ) {
        prop_assume!(signature(&made_for) != signature(&used_with));
        let raw = encode_cursor(&signature(&made_for), &made_for, &row);
        let err = decode_cursor(&raw, &signature(&used_with), &used_with).unwrap_err();
        assert_bad_input(&err);
        prop_assert!(err.to_string().contains("another ordering"), "{err}");
    }

    #[test]
    fn keyset_conditions_bind_cursor_values(
        row in row(),
        order in order(),
        forward in any::<bool>(),
    ) {
        let sig = signature(&order);
        let (values, id) = decode_cursor(&encode_cursor(&sig, &order, &row), &sig, &order)
            .unwrap();
        let condition = keyset_condition(&order, &values, id, forward);
        for (sql, binds) in render(camera::Entity, condition) {
            assert_no_inlined_text(&sql);
            let bound = bound_strings(&binds);
            for value in &values {
                if let KeyValue::Text(text) = value {
                    prop_assert!(bound.contains(&text.as_str()), "{text:?} not bound: {sql}");
                }
            }
        }
    }
}

/// Float and time values from the text of a forged cursor: only finite numbers and RFC 3339
/// times get through, whatever else the text holds.
#[test]
fn forged_key_values_are_refused() {
    for raw in [
        "NaN", "inf", "-inf", "infinity", "1e309", "-1e309", "0x10", "", " 1", "1_000", "١",
    ] {
        assert_eq!(KeyValue::decode(KeyKind::Float, Some(raw)), None, "{raw:?}");
    }
    for raw in [
        "",
        "2026-02-30T00:00:00Z",
        "2026-01-01",
        "2026-01-01T25:00:00Z",
        "+10000-01-01T00:00:00Z",
        "1767225600",
        "2026-01-01T00:00:00+99:00",
    ] {
        assert_eq!(KeyValue::decode(KeyKind::Time, Some(raw)), None, "{raw:?}");
    }
}

/// A well-formed cursor past the 4,096-character cap is refused, however valid its content.
#[test]
fn oversized_cursors_are_refused() {
    let order: Order = vec![(CameraSort::Model, SortDirection::Asc)];
    let body = json!({ "o": "MODEL.ASC,ID.ASC", "k": ["x".repeat(1 << 20)], "i": 1 });
    let raw = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap());
    let err = decode_cursor(&raw, &signature(&order), &order).unwrap_err();
    assert_bad_input(&err);
}
