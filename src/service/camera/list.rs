//! What the camera list filters and orders by: the fields of `CameraFilter` (the `and`/`or`/
//! `not` tree and its budget are `service::filter`'s) and the `CameraSort` keys (keyset
//! cursors are `service::pagination`'s).

use sea_orm::Condition;

use crate::{
    entity::camera,
    error::Result,
    service::{
        filter::{FilterBudget, FilterTree, FloatFilter, StringFilter, Tree},
        pagination::{KeyKind, KeyValue, SortKey},
    },
};

#[derive(Clone, Debug, Default)]
pub(crate) struct CameraFilter {
    pub model: Option<StringFilter>,
    pub brand: Option<StringFilter>,
    pub megapixels: Option<FloatFilter>,
    pub and: Vec<CameraFilter>,
    pub or: Vec<CameraFilter>,
    pub not: Option<Box<CameraFilter>>,
}

impl FilterTree for CameraFilter {
    fn fields(&self, _: &mut FilterBudget, _: usize) -> Result<Condition> {
        let mut all = Condition::all();
        if let Some(f) = &self.model {
            all = all.add(
                f.condition(camera::Column::Model)
                    .map_err(|e| e.within("model"))?,
            );
        }
        if let Some(f) = &self.brand {
            all = all.add(
                f.condition(camera::Column::Brand)
                    .map_err(|e| e.within("brand"))?,
            );
        }
        if let Some(f) = &self.megapixels {
            all = all.add(
                f.condition(camera::Column::Megapixels)
                    .map_err(|e| e.within("megapixels"))?,
            );
        }
        Ok(all)
    }

    fn text_filters(&self) -> Vec<Option<&StringFilter>> {
        vec![self.model.as_ref(), self.brand.as_ref()]
    }

    fn tree(&self) -> Tree<'_, Self> {
        Tree {
            and: &self.and,
            or: &self.or,
            not: self.not.as_deref(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CameraSort {
    Model,
    Brand,
    Megapixels,
    CreatedAt,
}

impl SortKey for CameraSort {
    type Entity = camera::Entity;

    fn name(self) -> &'static str {
        match self {
            CameraSort::Model => "MODEL",
            CameraSort::Brand => "BRAND",
            CameraSort::Megapixels => "MEGAPIXELS",
            CameraSort::CreatedAt => "CREATED_AT",
        }
    }

    fn column(self) -> camera::Column {
        match self {
            CameraSort::Model => camera::Column::Model,
            CameraSort::Brand => camera::Column::Brand,
            CameraSort::Megapixels => camera::Column::Megapixels,
            CameraSort::CreatedAt => camera::Column::CreatedAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            CameraSort::Model | CameraSort::Brand => KeyKind::Text,
            CameraSort::Megapixels => KeyKind::Float,
            CameraSort::CreatedAt => KeyKind::Time,
        }
    }

    fn value(self, row: &camera::Model) -> KeyValue {
        match self {
            CameraSort::Model => KeyValue::Text(row.model.clone()),
            CameraSort::Brand => KeyValue::Text(row.brand.clone()),
            CameraSort::Megapixels => KeyValue::Float(row.megapixels),
            CameraSort::CreatedAt => KeyValue::Time(row.created_at),
        }
    }

    fn id_column() -> camera::Column {
        camera::Column::Id
    }

    fn id(row: &camera::Model) -> i64 {
        row.id
    }
}
