//! The `database` store's bytes in chunks (`photo_chunks`) instead of one value per image
//! (`photo_blobs`): no statement then carries a whole photo, and the driver stack's copies of
//! a bound value (the statement's, the driver's, the wire buffer's) are copies of one chunk, so
//! an upload holds its photo about once, not four times. Existing photos move over as one chunk
//! each (a reader concatenates chunks of any size).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PhotoChunks::Table)
                    .col(big_integer(PhotoChunks::PhotoId))
                    // 0: the original, 1: the thumbnail.
                    .col(small_integer(PhotoChunks::Variant))
                    .col(integer(PhotoChunks::Seq))
                    .col(blob(PhotoChunks::Bytes))
                    .primary_key(
                        Index::create()
                            .col(PhotoChunks::PhotoId)
                            .col(PhotoChunks::Variant)
                            .col(PhotoChunks::Seq),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_photo_chunks_photo")
                            .from(PhotoChunks::Table, PhotoChunks::PhotoId)
                            .to(Photos::Table, Photos::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO photo_chunks (photo_id, variant, seq, bytes) \
             SELECT photo_id, 0, 0, original FROM photo_blobs \
             UNION ALL SELECT photo_id, 1, 0, thumbnail FROM photo_blobs",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(PhotoBlobs::Table).to_owned())
            .await
    }

    /// PostgreSQL only (as the fleet's): SQLite cannot join a blob's chunks back in SQL.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Err(DbErr::Migration(
                "photo_chunks cannot be joined back into photo_blobs on SQLite".into(),
            ));
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE TABLE photo_blobs ( \
                   photo_id bigint PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE, \
                   original bytea NOT NULL, thumbnail bytea NOT NULL); \
                 INSERT INTO photo_blobs (photo_id, original, thumbnail) \
                 SELECT photo_id, \
                   string_agg(bytes, ''::bytea ORDER BY seq) FILTER (WHERE variant = 0), \
                   string_agg(bytes, ''::bytea ORDER BY seq) FILTER (WHERE variant = 1) \
                 FROM photo_chunks GROUP BY photo_id; \
                 DROP TABLE photo_chunks;",
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum PhotoChunks {
    Table,
    PhotoId,
    Variant,
    Seq,
    Bytes,
}

#[derive(DeriveIden)]
enum PhotoBlobs {
    Table,
}

#[derive(DeriveIden)]
enum Photos {
    Table,
    Id,
}
