//! A person's picture: checked, cropped and re-encoded on the server, served to colleagues.

use super::*;
use crate::services::audit::AuditAction;
use crate::{
    msg,
    services::messages::{one_decimal, Message, Refusal},
};

/// Why a picture was refused.
pub(super) fn avatar_refused(message: Message) -> ServiceError {
    Refusal::field("avatar", message).into()
}

/// A size in megabytes with one decimal.
pub(super) fn megabytes(bytes: usize) -> Message {
    msg!(
        "msg.units.megabytes",
        size = one_decimal(bytes as f64 / (1024.0 * 1024.0))
    )
}

/// Checks a picture and turns it into the square PNG kept: the type is read from the bytes, not
/// the name; the size is read from the header before anything is decoded, so a small file
/// announcing a huge image costs nothing; decoding and re-encoding drops every piece of metadata
/// (location, camera, comments).
pub fn reencode_avatar(bytes: &[u8]) -> ServiceResult<Vec<u8>> {
    use image::{ImageFormat, ImageReader, Limits};
    if bytes.is_empty() {
        return Err(avatar_refused(msg!("msg.profile.avatar_missing")));
    }
    if bytes.len() > AVATAR_MAX_BYTES {
        return Err(avatar_refused(msg!(
            "msg.profile.avatar_too_big",
            size = megabytes(bytes.len()),
            max = megabytes(AVATAR_MAX_BYTES)
        )));
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)) => f,
        _ => return Err(avatar_refused(msg!("msg.profile.avatar_not_a_picture"))),
    };
    let damaged = || avatar_refused(msg!("msg.profile.avatar_damaged"));
    let (width, height) = ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| damaged())?;
    if width > AVATAR_MAX_SIDE || height > AVATAR_MAX_SIDE {
        return Err(avatar_refused(msg!(
            "msg.profile.avatar_too_large",
            width = width,
            height = height,
            max = AVATAR_MAX_SIDE
        )));
    }
    if width == 0 || height == 0 {
        return Err(damaged());
    }
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(AVATAR_MAX_SIDE);
    limits.max_image_height = Some(AVATAR_MAX_SIDE);
    limits.max_alloc = Some(u64::from(AVATAR_MAX_SIDE) * u64::from(AVATAR_MAX_SIDE) * 8);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|_| damaged())?;
    let square = decoded.resize_to_fill(
        AVATAR_SIDE,
        AVATAR_SIDE,
        image::imageops::FilterType::Lanczos3,
    );
    let mut out = std::io::Cursor::new(Vec::new());
    square
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|e| ServiceError::Internal(format!("png encoding: {e}")))?;
    Ok(out.into_inner())
}

/// Replaces the signed-in person's picture with `bytes` re-encoded.
pub async fn set_avatar(
    state: &AppState,
    signed: &Signed,
    bytes: Vec<u8>,
    client: &ClientInfo,
) -> ServiceResult<Option<String>> {
    // Read here: the blocking thread does not see the request's language.
    // Decoding takes up to ~130 MB: a few at a time, whoever uploads.
    static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let _permit = DECODING
        .acquire()
        .await
        .map_err(|e| ServiceError::Internal(format!("avatar queue: {e}")))?;
    let png = tokio::task::spawn_blocking(move || reencode_avatar(&bytes))
        .await
        .map_err(|e| ServiceError::Internal(format!("avatar task: {e}")))??;
    let at = now();
    let txn = crate::services::locking::write_txn(&state.db).await?;
    user_avatar::Entity::insert(user_avatar::ActiveModel {
        user_id: Set(signed.user.id),
        content_type: Set("image/png".into()),
        data: Set(png),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(user_avatar::Column::UserId)
            .update_columns([
                user_avatar::Column::ContentType,
                user_avatar::Column::Data,
                user_avatar::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let user = user::ActiveModel {
        id: Set(signed.user.id),
        avatar_updated_at: Set(Some(at)),
        updated_at: Set(at),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry::by_self(&user, AuditAction::PictureChanged, Changes::new(), client),
    )
    .await?;
    txn.commit().await?;
    Ok(user.avatar_url())
}

/// Removes the signed-in person's picture: initials are shown again.
pub async fn remove_avatar(
    state: &AppState,
    signed: &Signed,
    client: &ClientInfo,
) -> ServiceResult<()> {
    let txn = crate::services::locking::write_txn(&state.db).await?;
    user_avatar::Entity::delete_by_id(signed.user.id)
        .exec(&txn)
        .await?;
    let user = user::ActiveModel {
        id: Set(signed.user.id),
        avatar_updated_at: Set(None),
        updated_at: Set(now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry::by_self(&user, AuditAction::PictureRemoved, Changes::new(), client),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The picture of `user_id` for the person signed in with `secret`: people see the pictures of
/// their own organisation; the platform's staff, who switch into any, see everyone's.
pub async fn avatar_for(
    state: &AppState,
    secret: Option<&str>,
    user_id: Uuid,
) -> ServiceResult<Option<user_avatar::Model>> {
    let Some(viewer) = auth::signed(state, secret).await? else {
        return Ok(None);
    };
    let Some(owner) = user::Entity::find_by_id(user_id).one(&state.db).await? else {
        return Ok(None);
    };
    let allowed = owner.organisation_id == viewer.user.organisation_id
        || (viewer.user.platform_role != PlatformRole::None
            && organisation::Entity::find_by_id(viewer.user.organisation_id)
                .one(&state.db)
                .await?
                .is_some_and(|o| o.is_admin_tenant));
    if !allowed {
        return Ok(None);
    }
    Ok(user_avatar::Entity::find_by_id(user_id)
        .one(&state.db)
        .await?)
}
