//! Evidence photos: welcome, never required (no step of the loop asks for one). Each is
//! checked by its first bytes (JPEG, PNG or WebP; the name and the declared type are not
//! trusted), at most 5 MB and 9 to a case, and kept in the database or, when the server
//! is given a media folder, on disk under its SHA-256.

use std::path::{Path, PathBuf};

use kernel::audit::{self, Entry};
use kernel::time::now_ms;
use kernel::{Db, Error, Result};
use org::Access;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use utoipa::ToSchema;

use crate::access::{dispatches, handles, reads, reported, verifies};
use crate::model::State;
use crate::store;

/// The largest photo accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The most photos one case holds.
pub const MAX_PER_CASE: i64 = 9;

/// Where photo bytes are kept.
#[derive(Debug, Clone, Default)]
pub enum Media {
    /// In the `case_photo` table.
    #[default]
    Database,
    /// In a folder, one file per photo named by its SHA-256.
    Dir(PathBuf),
}

/// A photo's description (the bytes are fetched on their own).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Photo {
    /// Id.
    pub id: i64,
    /// `report` (with the report), `handle` (the handler's) or `verify` (the verifier's).
    pub stage: String,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub mime: String,
    /// Size in bytes.
    pub bytes: i64,
    /// When (ms).
    pub created_at: i64,
}

/// The image type of `bytes` by their signature, or `None` when they are not a JPEG,
/// PNG or WebP image.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() >= 3 && bytes[..3] == [0xFF, 0xD8, 0xFF] {
        Some("image/jpeg")
    } else if bytes.len() >= 8 && bytes[..8] == [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A] {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

fn stage_for(access: &Access, c: &store::CaseFile) -> Option<&'static str> {
    if handles(access, c) && c.state == State::Dispatched {
        Some("handle")
    } else if verifies(access, &c.unit_path) && c.state == State::Handled {
        Some("verify")
    } else if (reported(access, c) || dispatches(access, &c.unit_path))
        && matches!(c.state, State::Reported | State::Registered)
    {
        Some("report")
    } else {
        None
    }
}

/// Attach a photo to a case: its reporter while it is reported or registered, its
/// handler while handling it, a verifier while verifying it.
pub async fn add(db: &Db, access: &Access, media: &Media, id: i64, bytes: &[u8]) -> Result<Photo> {
    if bytes.is_empty() {
        return Err(Error::field("photo", "请选择一张照片"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::field("photo", "照片不能超过 5 MB，请压缩后再传"));
    }
    let Some(mime) = sniff(bytes) else {
        return Err(Error::field(
            "photo",
            "只能上传 JPEG、PNG 或 WebP 格式的照片",
        ));
    };
    let (mut tx, c) = crate::flow::begin(db, access, id).await?;
    let Some(stage) = stage_for(access, &c) else {
        return Err(Error::Forbidden("现在不能给这个案件添加照片"));
    };
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM case_photo WHERE city_id = $1 AND case_id = $2")
            .bind(c.city_id)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    if count >= MAX_PER_CASE {
        return Err(Error::conflict(
            "too_many_photos",
            format!("每个案件最多 {MAX_PER_CASE} 张照片"),
        ));
    }
    let sha = hex::encode(Sha256::digest(bytes));
    let (data, disk): (Option<Vec<u8>>, Option<String>) = match media {
        Media::Database => (Some(bytes.to_vec()), None),
        Media::Dir(dir) => {
            let name = format!("{sha}.{}", &mime[6..]);
            let path = dir.join(&name);
            if !path.exists() {
                write_file(dir, &path, bytes).await?;
            }
            (None, Some(name))
        }
    };
    let now = now_ms();
    let pid = kernel::db::insert_returning_id(
        &mut tx,
        sqlx::query(
            "INSERT INTO case_photo (city_id, case_id, stage, mime, bytes, sha256, data, disk_path, \
             created_by_person_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             RETURNING id",
        )
        .bind(c.city_id)
        .bind(id)
        .bind(stage)
        .bind(mime)
        .bind(bytes.len() as i64)
        .bind(&sha)
        .bind(data)
        .bind(disk)
        .bind(Some(access.person_id()).filter(|&p| p != 0))
        .bind(now),
    )
    .await?;
    audit::record(
        &mut tx,
        access.actor(),
        Entry {
            action: "create",
            object_kind: "case_photo",
            object_id: pid,
            scope_path: &c.unit_path,
            before: None,
            after: Some(
                json!({"case": id, "stage": stage, "mime": mime, "bytes": bytes.len(),
                               "sha256": sha}),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Photo {
        id: pid,
        stage: stage.into(),
        mime: mime.into(),
        bytes: bytes.len() as i64,
        created_at: now,
    })
}

async fn write_file(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| Error::Internal(format!("media folder: {e}"));
    std::fs::create_dir_all(dir).map_err(io)?;
    // Written aside and renamed, so a reader never sees half a file.
    let tmp = path.with_extension(format!("part{}", rand::random::<u32>()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// The photos of a case.
pub async fn list(db: &Db, city_id: i64, case_id: i64) -> Result<Vec<Photo>> {
    let rows = sqlx::query(
        "SELECT id, stage, mime, bytes, created_at FROM case_photo WHERE city_id = $1 AND case_id = $2 \
         ORDER BY id",
    )
    .bind(city_id)
    .bind(case_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Photo {
                id: r.try_get(0)?,
                stage: r.try_get(1)?,
                mime: r.try_get(2)?,
                bytes: r.try_get(3)?,
                created_at: r.try_get(4)?,
            })
        })
        .collect()
}

/// A photo's type and bytes, for someone who may read the case.
pub async fn bytes(
    db: &Db,
    access: &Access,
    media: &Media,
    case_id: i64,
    photo_id: i64,
) -> Result<(String, Vec<u8>)> {
    let mut conn = db.reader().acquire().await?;
    store::load(&mut conn, access.city_id(), case_id, "")
        .await?
        .filter(|c| reads(access, c))
        .ok_or(Error::NotFound)?;
    let rows = sqlx::query(
        "SELECT mime, data, disk_path FROM case_photo WHERE city_id = $1 AND case_id = $2 AND id = $3",
    )
    .bind(access.city_id())
    .bind(case_id)
    .bind(photo_id)
    .fetch_all(&mut *conn)
    .await?;
    let r = rows.first().ok_or(Error::NotFound)?;
    let mime: String = r.try_get(0)?;
    let data: Option<Vec<u8>> = r.try_get(1)?;
    let disk: Option<String> = r.try_get(2)?;
    match (data, disk, media) {
        (Some(d), _, _) => Ok((mime, d)),
        (None, Some(name), Media::Dir(dir)) => {
            let name = Path::new(&name)
                .file_name()
                .ok_or(Error::NotFound)?
                .to_owned();
            std::fs::read(dir.join(name))
                .map(|d| (mime, d))
                .map_err(|_| Error::NotFound)
        }
        _ => Err(Error::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_their_first_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"GIF89a"), None);
        assert_eq!(sniff(b"%PDF-1.7"), None);
        assert_eq!(sniff(b"<svg xmlns"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&[0xFF, 0xD8]), None);
    }
}
