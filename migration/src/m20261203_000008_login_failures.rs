//! `login_failures`: one row per failed login, so every instance on one database sees the same
//! counts and a restart keeps them (`hangar::auth::throttle`). Rows older than the throttling
//! window are deleted as it passes. Times are Unix milliseconds: one integer compares the same
//! way on both engines.
//!
//! `refresh_tokens.signed_in_from`: the client address each session was issued to, so the
//! throttle knows the addresses an account really signs in from without a write of its own.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginFailures::Table)
                    .col(big_pk_auto(LoginFailures::Id))
                    .col(string_len(LoginFailures::Username, 64))
                    .col(string_len(LoginFailures::Address, 64))
                    .col(big_integer(LoginFailures::FailedAtMs))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_login_failures_username", LoginFailures::Username),
            ("idx_login_failures_address", LoginFailures::Address),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(LoginFailures::Table)
                        .col(column)
                        .col(LoginFailures::FailedAtMs)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_login_failures_failed_at")
                    .table(LoginFailures::Table)
                    .col(LoginFailures::FailedAtMs)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .add_column(string_len_null(RefreshTokens::SignedInFrom, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_user_address")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::UserId)
                    .col(RefreshTokens::SignedInFrom)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_refresh_tokens_user_address")
                    .table(RefreshTokens::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .drop_column(RefreshTokens::SignedInFrom)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(LoginFailures::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Id,
    Username,
    Address,
    FailedAtMs,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    UserId,
    SignedInFrom,
}
