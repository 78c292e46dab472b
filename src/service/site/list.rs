//! What the site list filters and orders by.

use sea_orm::Condition;

use crate::{
    entity::site,
    error::Result,
    service::{
        filter::{FilterBudget, FilterTree, StringFilter, Tree},
        pagination::{KeyKind, KeyValue, SortKey},
    },
};

#[derive(Clone, Debug, Default)]
pub(crate) struct SiteFilter {
    pub name: Option<StringFilter>,
    pub city: Option<StringFilter>,
    pub country: Option<StringFilter>,
    pub and: Vec<SiteFilter>,
    pub or: Vec<SiteFilter>,
    pub not: Option<Box<SiteFilter>>,
}

impl FilterTree for SiteFilter {
    fn fields(&self, _: &mut FilterBudget, _: usize) -> Result<Condition> {
        let mut all = Condition::all();
        if let Some(f) = &self.name {
            all = all.add(
                f.condition(site::Column::Name)
                    .map_err(|e| e.within("name"))?,
            );
        }
        if let Some(f) = &self.city {
            all = all.add(
                f.condition(site::Column::City)
                    .map_err(|e| e.within("city"))?,
            );
        }
        if let Some(f) = &self.country {
            all = all.add(
                f.condition(site::Column::Country)
                    .map_err(|e| e.within("country"))?,
            );
        }
        Ok(all)
    }

    fn text_filters(&self) -> Vec<Option<&StringFilter>> {
        vec![
            self.name.as_ref(),
            self.city.as_ref(),
            self.country.as_ref(),
        ]
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
pub(crate) enum SiteSort {
    Name,
    City,
    Country,
    CreatedAt,
}

impl SortKey for SiteSort {
    type Entity = site::Entity;

    fn name(self) -> &'static str {
        match self {
            SiteSort::Name => "NAME",
            SiteSort::City => "CITY",
            SiteSort::Country => "COUNTRY",
            SiteSort::CreatedAt => "CREATED_AT",
        }
    }

    fn column(self) -> site::Column {
        match self {
            SiteSort::Name => site::Column::Name,
            SiteSort::City => site::Column::City,
            SiteSort::Country => site::Column::Country,
            SiteSort::CreatedAt => site::Column::CreatedAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            SiteSort::CreatedAt => KeyKind::Time,
            _ => KeyKind::Text,
        }
    }

    fn value(self, row: &site::Model) -> KeyValue {
        match self {
            SiteSort::Name => KeyValue::Text(row.name.clone()),
            SiteSort::City => KeyValue::Text(row.city.clone()),
            SiteSort::Country => KeyValue::Text(row.country.clone()),
            SiteSort::CreatedAt => KeyValue::Time(row.created_at),
        }
    }

    fn id_column() -> site::Column {
        site::Column::Id
    }

    fn id(row: &site::Model) -> i64 {
        row.id
    }
}
