//! Where photo bytes live, behind one trait ([`PhotoStore`]) with three backends chosen by
//! `HANGAR_PHOTO_STORE`:
//!
//! - `database` (the default): a table of its own, written in the upload's transaction, so N
//!   instances on one PostgreSQL need nothing else, and a failed mutation leaves no bytes.
//! - `dir:/path` and `s3://bucket/prefix`: one object store each (the `object_store` crate's
//!   local file system and S3 client: no request signing of our own). The bytes are written
//!   *before* the row's transaction and removed if it fails; a deleted photo's objects go after
//!   the delete commits; and objects no row names (a crash between the two) are swept at start.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use object_store::{ObjectStore, PutPayload, path::Path};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    config::PhotoStoreConfig,
    entity::{photo, photo_chunk},
    error::{AppError, Result},
};

/// The two images of a photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    Original,
    Thumbnail,
}

/// A photo's bytes, ready to store (shared, not copied, between the store and the caller).
pub(crate) struct PhotoBytes {
    pub original: Bytes,
    pub thumbnail: Bytes,
}

impl PhotoBytes {
    /// Both images, each with its variant: what every store writes.
    fn each(&self) -> [(Variant, &Bytes); 2] {
        [
            (Variant::Original, &self.original),
            (Variant::Thumbnail, &self.thumbnail),
        ]
    }
}

#[async_trait]
pub(crate) trait PhotoStore: Send + Sync {
    /// Before the row's transaction: an external store writes the bytes now.
    async fn stage(&self, key: &str, bytes: &PhotoBytes) -> Result<()>;
    /// Inside the row's transaction: the database store writes the bytes here.
    async fn write_in(
        &self,
        txn: &DatabaseTransaction,
        photo_id: i64,
        bytes: &PhotoBytes,
    ) -> Result<()>;
    async fn read(
        &self,
        db: &DatabaseConnection,
        photo: &photo::Model,
        variant: Variant,
    ) -> Result<Bytes>;
    /// The bytes of photos whose rows are gone (a failed upload, a committed delete). Best
    /// effort: what it cannot remove, the next start sweeps.
    async fn remove(&self, keys: &[String]);
    /// Removes objects that no photo row names and that are older than `grace` (younger ones
    /// may belong to an upload in flight on another instance); returns how many.
    async fn sweep(&self, db: &DatabaseConnection, grace: Duration) -> Result<usize>;
}

/// The store `HANGAR_PHOTO_STORE` names.
pub(crate) fn open(config: &PhotoStoreConfig) -> Result<Arc<dyn PhotoStore>, String> {
    Ok(match config {
        PhotoStoreConfig::Database => Arc::new(DatabaseStore),
        PhotoStoreConfig::Dir(path) => {
            std::fs::create_dir_all(path).map_err(|e| {
                format!("HANGAR_PHOTO_STORE: cannot create {}: {e}", path.display())
            })?;
            let store = object_store::local::LocalFileSystem::new_with_prefix(path)
                .map_err(|e| format!("HANGAR_PHOTO_STORE: {e}"))?;
            Arc::new(Objects::new(Arc::new(store), ""))
        }
        PhotoStoreConfig::S3(s3) => {
            let mut builder = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(&s3.bucket)
                .with_region(&s3.region);
            if let Some(endpoint) = &s3.endpoint {
                builder = builder
                    .with_allow_http(endpoint.starts_with("http://"))
                    .with_endpoint(endpoint);
            }
            if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                builder = builder
                    .with_access_key_id(id)
                    .with_secret_access_key(secret.expose());
            }
            let store = builder
                .build()
                .map_err(|e| format!("HANGAR_PHOTO_STORE: {e}"))?;
            Arc::new(Objects::new(Arc::new(store), &s3.prefix))
        }
    })
}

/// Bytes in the `photo_chunks` table, in pieces of [`CHUNK_BYTES`]: a bound value is copied
/// by each layer under the statement (sea-query's statement, sqlx's arguments, the wire
/// buffer), so a photo bound whole would be held four times over during its INSERT.
struct DatabaseStore;

/// The size of one `photo_chunks` row (the last piece of an image may be shorter).
const CHUNK_BYTES: usize = 512 * 1024;

fn variant_code(variant: Variant) -> i16 {
    match variant {
        Variant::Original => 0,
        Variant::Thumbnail => 1,
    }
}

#[async_trait]
impl PhotoStore for DatabaseStore {
    async fn stage(&self, _: &str, _: &PhotoBytes) -> Result<()> {
        Ok(())
    }

    async fn write_in(
        &self,
        txn: &DatabaseTransaction,
        photo_id: i64,
        bytes: &PhotoBytes,
    ) -> Result<()> {
        for (variant, data) in bytes.each() {
            for (seq, piece) in data.chunks(CHUNK_BYTES).enumerate() {
                // Without RETURNING: the row would come back with its bytes.
                photo_chunk::Entity::insert(photo_chunk::ActiveModel {
                    photo_id: Set(photo_id),
                    variant: Set(variant_code(variant)),
                    seq: Set(seq as i32),
                    bytes: Set(piece.to_vec()),
                })
                .exec_without_returning(txn)
                .await?;
            }
        }
        Ok(())
    }

    async fn read(
        &self,
        db: &DatabaseConnection,
        photo: &photo::Model,
        variant: Variant,
    ) -> Result<Bytes> {
        let mut pieces = photo_chunk::Entity::find()
            .select_only()
            .column(photo_chunk::Column::Bytes)
            .filter(photo_chunk::Column::PhotoId.eq(photo.id))
            .filter(photo_chunk::Column::Variant.eq(variant_code(variant)))
            .order_by_asc(photo_chunk::Column::Seq)
            .into_tuple::<Vec<u8>>()
            .stream(db)
            .await?;
        // One piece at a time into a buffer of the image's size, so the pieces are not all
        // held beside their concatenation.
        let expected = match variant {
            Variant::Original => usize::try_from(photo.size).unwrap_or(0),
            Variant::Thumbnail => 0,
        };
        let mut whole = BytesMut::with_capacity(expected);
        let mut found = false;
        while let Some(piece) = pieces.next().await {
            whole.extend_from_slice(&piece?);
            found = true;
        }
        if !found {
            return Err(AppError::NotFound(format!("no photo with id {}", photo.id)));
        }
        Ok(whole.freeze())
    }

    /// The rows' foreign keys removed them already.
    async fn remove(&self, _: &[String]) {}

    async fn sweep(&self, _: &DatabaseConnection, _: Duration) -> Result<usize> {
        Ok(0)
    }
}

/// Bytes as objects `<prefix>/<key>` and `<prefix>/<key>.thumb.jpg`.
struct Objects {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

impl Objects {
    fn new(store: Arc<dyn ObjectStore>, prefix: &str) -> Self {
        Self {
            store,
            prefix: prefix.to_string(),
        }
    }

    fn path(&self, key: &str, variant: Variant) -> Path {
        let name = match variant {
            Variant::Original => key.to_string(),
            Variant::Thumbnail => format!("{key}.thumb.jpg"),
        };
        if self.prefix.is_empty() {
            Path::from(name)
        } else {
            Path::from(format!("{}/{name}", self.prefix))
        }
    }
}

fn unavailable(err: object_store::Error) -> AppError {
    tracing::warn!(error = %err, "photo store failed");
    AppError::Unavailable("the photo store is unavailable: retry in a few seconds".into())
}

#[async_trait]
impl PhotoStore for Objects {
    async fn stage(&self, key: &str, bytes: &PhotoBytes) -> Result<()> {
        for (variant, data) in bytes.each() {
            if let Err(err) = self
                .store
                .put(&self.path(key, variant), PutPayload::from(data.clone()))
                .await
            {
                self.remove(&[key.to_string()]).await;
                return Err(unavailable(err));
            }
        }
        Ok(())
    }

    async fn write_in(&self, _: &DatabaseTransaction, _: i64, _: &PhotoBytes) -> Result<()> {
        Ok(())
    }

    async fn read(
        &self,
        _: &DatabaseConnection,
        photo: &photo::Model,
        variant: Variant,
    ) -> Result<Bytes> {
        let path = self.path(&photo.storage_key, variant);
        match self.store.get(&path).await {
            Ok(found) => found.bytes().await.map_err(unavailable),
            Err(object_store::Error::NotFound { .. }) => {
                Err(AppError::NotFound(format!("no photo with id {}", photo.id)))
            }
            Err(err) => Err(unavailable(err)),
        }
    }

    async fn remove(&self, keys: &[String]) {
        for key in keys {
            for variant in [Variant::Original, Variant::Thumbnail] {
                match self.store.delete(&self.path(key, variant)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(err) => {
                        tracing::warn!(key, error = %err, "could not remove a photo object; the next start sweeps it")
                    }
                }
            }
        }
    }

    async fn sweep(&self, db: &DatabaseConnection, grace: Duration) -> Result<usize> {
        let prefix = (!self.prefix.is_empty()).then(|| Path::from(self.prefix.as_str()));
        let mut listing = self.store.list(prefix.as_ref());
        let cutoff = chrono::Utc::now() - chrono::Duration::from_std(grace).unwrap_or_default();
        let mut candidates: Vec<(String, Path)> = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(unavailable)?;
            if meta.last_modified > cutoff {
                continue;
            }
            let name = meta.location.filename().unwrap_or_default();
            let key = name.strip_suffix(".thumb.jpg").unwrap_or(name).to_string();
            candidates.push((key, meta.location));
        }
        let mut removed = 0;
        for chunk in candidates.chunks(500) {
            let keys: Vec<String> = chunk.iter().map(|(k, _)| k.clone()).collect();
            let known: std::collections::HashSet<String> = photo::Entity::find()
                .select_only()
                .column(photo::Column::StorageKey)
                .filter(photo::Column::StorageKey.is_in(keys))
                .into_tuple::<String>()
                .all(db)
                .await?
                .into_iter()
                .collect();
            for (key, location) in chunk {
                if !known.contains(key) && self.store.delete(location).await.is_ok() {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}
