//! `api_tokens`: credentials for scripts (`hangar::service::api_token`). Only the secret's
//! SHA-256 is stored. A revoked token keeps its row (so presenting it says "revoked", and the
//! audit trail's id stays meaningful); names are unique per owner among live tokens, in any
//! case (`name_key`, Unicode lower case as the other names are, which can be longer than the
//! name). Deleting the owner deletes their tokens.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(big_integer(ApiTokens::OwnerId))
                    .col(string_len(ApiTokens::Name, 100))
                    .col(string_len(ApiTokens::NameKey, 200))
                    .col(string_len(ApiTokens::Scope, 8))
                    .col(string_len(ApiTokens::Prefix, 16))
                    .col(string_len_uniq(ApiTokens::SecretHash, 64))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_tokens_owner")
                            .from(ApiTokens::Table, ApiTokens::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // A partial index (the same text on both engines): revoked tokens free their name.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX idx_api_tokens_owner_name \
                 ON api_tokens (owner_id, name_key) WHERE revoked_at IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    OwnerId,
    Name,
    NameKey,
    Scope,
    Prefix,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
