//! Property tests of camera filters and camera input against hostile input.
//!
//! Filters: any tree of `and`/`or`/`not` with any operator values builds a condition exactly
//! when it is within the limits (8 levels, 200 parts, 1,000 `in` values, finite numbers) and is
//! refused with BAD_USER_INPUT otherwise; the budget never counts more than one node past its
//! limit, however large the tree; and the SQL for both backends carries every user value as a
//! bind parameter, with a text that does not depend on those values and grows linearly.
//! Input: registration accepts exactly the trimmed, bounded, control-free text and the
//! megapixels in (0, 10,000], and never panics on anything else.

use proptest::prelude::*;

use super::{
    CameraFilter, CameraInput, MAX_BRAND_CHARS, MAX_MEGAPIXELS, MAX_MODEL_CHARS, check_megapixels,
    validate,
};
use crate::{
    entity::camera,
    service::{
        filter::{FilterBudget, FilterTree, MAX_FILTER_DEPTH, MAX_FILTER_NODES, StringFilter},
        props_support::{
            Blanked, UserStrings, any_input_text, assert_bad_input, camera_filter, camera_shape,
            check_rendering, render,
        },
        validate::required_text,
    },
};

/// Builds the condition of `filter` with a fresh budget, as `list` does, and returns how many
/// nodes the budget counted.
fn build(filter: &CameraFilter) -> (crate::error::Result<sea_orm::Condition>, usize) {
    let mut budget = FilterBudget::default();
    let built = filter.condition(&mut budget, 1);
    (built, budget.nodes)
}

/// `levels` nested filters, each the only child of the one above through `link`.
fn chain(levels: usize, link: fn(CameraFilter) -> CameraFilter) -> CameraFilter {
    (1..levels).fold(CameraFilter::default(), |inner, _| link(inner))
}

fn via_and(f: CameraFilter) -> CameraFilter {
    CameraFilter {
        and: vec![f],
        ..Default::default()
    }
}

fn via_or(f: CameraFilter) -> CameraFilter {
    CameraFilter {
        or: vec![f],
        ..Default::default()
    }
}

fn via_not(f: CameraFilter) -> CameraFilter {
    CameraFilter {
        not: Some(Box::new(f)),
        ..Default::default()
    }
}

/// A root with `nodes - 1` empty children, all one level down.
fn wide(nodes: usize, or: bool) -> CameraFilter {
    let children = vec![CameraFilter::default(); nodes - 1];
    if or {
        CameraFilter {
            or: children,
            ..Default::default()
        }
    } else {
        CameraFilter {
            and: children,
            ..Default::default()
        }
    }
}

proptest! {
    #[test]
    fn filters_are_accepted_exactly_within_the_limits(filter in camera_filter(11, 320)) {
        let shape = camera_shape(&filter);
        let (built, counted) = build(&filter);
        match built {
            Ok(_) => {
                prop_assert!(shape.acceptable(), "accepted beyond the limits: {shape:?}");
                prop_assert_eq!(counted, shape.nodes, "every node counted once");
            }
            Err(err) => {
                assert_bad_input(&err);
                prop_assert!(!shape.acceptable(), "refused within the limits: {err}");
            }
        }
        prop_assert!(counted <= MAX_FILTER_NODES + 1 && counted <= shape.nodes);
    }

    #[test]
    fn accepted_filters_bind_every_user_value(filter in camera_filter(8, 120)) {
        let shape = camera_shape(&filter);
        let Ok(condition) = build(&filter).0 else { return Ok(()) };
        let blank = build(&filter.blanked()).0.expect("blanking keeps a filter valid");
        check_rendering(
            &render(camera::Entity, condition),
            &render(camera::Entity, blank),
            &UserStrings::of_camera(&filter),
            shape,
        );
    }

    #[test]
    fn nesting_is_refused_past_the_depth_limit(
        levels in 1usize..=3 * MAX_FILTER_DEPTH,
        link in prop_oneof![Just(via_and as fn(_) -> _), Just(via_or as fn(_) -> _),
            Just(via_not as fn(_) -> _)],
    ) {
        let (built, counted) = build(&chain(levels, link));
        prop_assert_eq!(built.is_ok(), levels <= MAX_FILTER_DEPTH);
        if let Err(err) = built {
            assert_bad_input(&err);
        }
        prop_assert_eq!(counted, levels.min(MAX_FILTER_DEPTH + 1));
    }

    #[test]
    fn parts_are_refused_past_the_node_limit(
        nodes in prop_oneof![
            MAX_FILTER_NODES - 3..=MAX_FILTER_NODES + 3,
            1usize..=20_000,
        ],
        or in any::<bool>(),
    ) {
        let (built, counted) = build(&wide(nodes, or));
        prop_assert_eq!(built.is_ok(), nodes <= MAX_FILTER_NODES);
        if let Err(err) = built {
            assert_bad_input(&err);
        }
        // Work stops at the first node past the budget, not at the end of the list.
        prop_assert_eq!(counted, nodes.min(MAX_FILTER_NODES + 1));
    }

    #[test]
    fn in_lists_are_refused_past_their_limit(len in 995usize..=1005) {
        let filter = CameraFilter {
            brand: Some(StringFilter {
                in_: Some((0..len).map(|i| format!("b{i}")).collect()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let built = build(&filter).0;
        prop_assert_eq!(built.is_ok(), len <= crate::service::filter::MAX_IN_VALUES);
        if let Err(err) = built {
            assert_bad_input(&err);
        }
    }

    #[test]
    fn megapixels_are_accepted_exactly_in_range(
        value in prop_oneof![
            proptest::num::f64::ANY,
            -1.0..MAX_MEGAPIXELS * 1.5,
            proptest::sample::select(&[0.0, -0.0, f64::MIN_POSITIVE, 5e-324, MAX_MEGAPIXELS,
                MAX_MEGAPIXELS + 1e-9, f64::NAN, f64::INFINITY, f64::NEG_INFINITY][..]),
        ],
    ) {
        let in_range = value.is_finite() && value > 0.0 && value <= MAX_MEGAPIXELS;
        match check_megapixels(value) {
            Ok(accepted) => {
                prop_assert!(in_range, "{value} accepted");
                prop_assert_eq!(accepted.to_bits(), value.to_bits());
            }
            Err(message) => {
                prop_assert!(!in_range, "{value} refused: {message}");
                prop_assert!(message.starts_with("megapixels must be"));
            }
        }
    }

    #[test]
    fn camera_input_is_accepted_exactly_by_the_rules(
        model in any_input_text(MAX_MODEL_CHARS),
        brand in any_input_text(MAX_BRAND_CHARS),
        megapixels in prop_oneof![0.1..MAX_MEGAPIXELS, proptest::num::f64::ANY],
    ) {
        let input = CameraInput { model: model.clone(), brand: brand.clone(), megapixels };
        let expected = required_text("model", &model, MAX_MODEL_CHARS)
            .and_then(|_| required_text("brand", &brand, MAX_BRAND_CHARS))
            .and_then(|_| check_megapixels(megapixels));
        match validate(&input) {
            Ok(valid) => {
                prop_assert!(expected.is_ok());
                prop_assert_eq!(&valid.model, model.trim());
                prop_assert_eq!(valid.model_key, model.trim().to_lowercase());
                prop_assert_eq!(&valid.brand, brand.trim());
                prop_assert_eq!(valid.megapixels.to_bits(), megapixels.to_bits());
            }
            Err(problem) => prop_assert_eq!(Err(problem.message), expected.map(|_| ())),
        }
    }
}

/// Deep `not` chains stop at the limit, long before the tree's end: building a 100,000-level
/// chain counts nine nodes.
#[test]
fn a_very_deep_filter_is_refused_after_nine_nodes() {
    let filter = chain(100_000, via_not);
    let (built, counted) = build(&filter);
    assert_bad_input(&built.unwrap_err());
    assert_eq!(counted, MAX_FILTER_DEPTH + 1);
    // Dropping a chain this deep recursively could overflow the stack; unwind it by hand.
    let mut next = filter.not;
    while let Some(mut node) = next {
        next = node.not.take();
    }
}

/// Eight levels of four-way `or`: 21,845 nodes, all within the depth limit, that budgeting
/// must cut off at the node limit rather than walk.
#[test]
fn a_wide_and_deep_filter_is_refused_at_the_node_limit() {
    let mut filter = CameraFilter::default();
    for _ in 0..MAX_FILTER_DEPTH - 1 {
        filter = CameraFilter {
            or: vec![filter; 4],
            ..Default::default()
        };
    }
    let (built, counted) = build(&filter);
    assert_bad_input(&built.unwrap_err());
    assert_eq!(counted, MAX_FILTER_NODES + 1);
}

#[test]
fn the_limits_are_the_documented_ones() {
    assert_eq!(
        (
            MAX_FILTER_DEPTH,
            MAX_FILTER_NODES,
            crate::service::filter::MAX_IN_VALUES
        ),
        (8, 200, 1000)
    );
}
