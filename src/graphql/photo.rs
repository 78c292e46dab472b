//! Drone photos in GraphQL: the `Photo` type (with signed URLs), `addDronePhoto` (a multipart
//! upload) and `deleteDronePhoto`.

use std::io::Read;

use async_graphql::{Context, ID, Object, Result, Upload};

use crate::{
    entity::{photo as photo_entity, user::Role},
    error::AppError,
    graphql::{
        common::{parse_id, parse_id_at, to_id},
        context::PublicOrigin,
        guard::{RoleGuard, state, writer},
        loaders,
        scalars::DateTime,
        user::User,
    },
    service::photo::{self as photos, store::Variant},
};

/// A photo of a drone.
#[derive(Clone)]
pub(crate) struct Photo(pub photo_entity::Model);

impl Photo {
    fn signed(&self, ctx: &Context<'_>, variant: Variant) -> String {
        let origin = ctx.data_opt::<PublicOrigin>().map_or("", |o| o.0.as_str());
        let path = state(ctx)
            .photo_urls
            .sign(self.0.id, variant, chrono::Utc::now().timestamp());
        format!("{origin}{path}")
    }
}

/// A photo of a drone.
#[Object]
impl Photo {
    /// The photo's id.
    async fn id(&self) -> ID {
        to_id(self.0.id)
    }

    /// A signed URL of the image, valid for a limited time (HANGAR_PHOTO_URL_TTL), usable as
    /// <img src> without an Authorization header. Served without its EXIF, XMP or text
    /// metadata (no GPS position), keeping only its orientation.
    async fn url(&self, ctx: &Context<'_>) -> String {
        self.signed(ctx, Variant::Original)
    }

    /// A signed URL of a JPEG thumbnail at most 320 px on its longer side, upright.
    async fn thumbnail_url(&self, ctx: &Context<'_>) -> String {
        self.signed(ctx, Variant::Thumbnail)
    }

    /// image/jpeg, image/png or image/webp: decided from the bytes, not the file name.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }

    /// Bytes of the original (as served).
    async fn size(&self) -> i64 {
        self.0.size
    }

    /// Pixels across, as displayed (after the EXIF orientation).
    async fn width(&self) -> i32 {
        self.0.width
    }

    /// Pixels down, as displayed.
    async fn height(&self) -> i32 {
        self.0.height
    }

    /// Free text, up to 500 characters.
    async fn caption(&self) -> Option<&str> {
        self.0.caption.as_deref()
    }

    /// The SUPPORT user who uploaded it (null once deleted).
    async fn uploaded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let Some(user_id) = self.0.uploaded_by_id else {
            return Ok(None);
        };
        Ok(loaders::user(ctx, user_id).await?.map(User))
    }

    /// When it was uploaded (RFC 3339, UTC).
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

#[derive(Default)]
pub(crate) struct PhotoMutation;

#[Object]
impl PhotoMutation {
    /// Multipart upload. At most HANGAR_MAX_PHOTO_BYTES (default 10 MiB) and 20 photos per
    /// drone (CONFLICT past it); anything but a JPEG, PNG or WebP image, a truncated file or
    /// one larger than 16,384 pixels a side is BAD_USER_INPUT. SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn add_drone_photo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The drone.")] drone_id: ID,
        #[graphql(desc = "The image: a file part of the multipart request.")] file: Upload,
        #[graphql(desc = "Free text, up to 500 characters (blank: none).")] caption: Option<String>,
    ) -> Result<Photo> {
        let app = state(ctx);
        let drone_id = parse_id_at("droneId", &drone_id)?;
        let limit = app.config.max_photo_bytes;
        // A file the request names but does not hold (JSON, or a wrong map) is the caller's.
        let upload = file.value(ctx).map_err(|_| {
            AppError::bad_field(
                "file",
                "no file for `file`: send it as a part of a multipart request \
                 (graphql-multipart-request-spec)",
            )
        })?;
        let bytes = tokio::task::spawn_blocking(move || {
            // Sized once from the upload's length: no doubling copies while reading.
            let size = upload.size().unwrap_or(0).min(limit as u64 + 1);
            let mut bytes = Vec::with_capacity(size as usize);
            upload
                .into_read()
                .take(limit as u64 + 1)
                .read_to_end(&mut bytes)
                .map(|_| bytes)
        })
        .await
        .map_err(AppError::from)?
        .map_err(|e| AppError::internal(format!("reading an upload: {e}")))?;
        if bytes.len() > limit {
            return Err(AppError::bad_field(
                "file",
                format!("the photo is larger than {limit} bytes (HANGAR_MAX_PHOTO_BYTES)"),
            )
            .into());
        }
        let upload = photos::Upload { bytes, caption };
        Ok(Photo(
            photos::add(&writer(ctx)?, app.photos.as_ref(), drone_id, upload).await?,
        ))
    }

    /// Returns the deleted id. Deleting a drone deletes its photos in the same transaction.
    /// SUPPORT only.
    #[graphql(guard = "RoleGuard(Role::Support)")]
    async fn delete_drone_photo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The photo.")] id: ID,
    ) -> Result<ID> {
        let app = state(ctx);
        Ok(to_id(
            photos::delete(&writer(ctx)?, app.photos.as_ref(), parse_id(&id)?).await?,
        ))
    }
}
