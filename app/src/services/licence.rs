//! The instance's licence: reading and checking a licence file, installing it, the features it
//! allows and the seats it counts. Without a licence every feature is allowed and seats are not
//! limited (a fresh development instance); once one is installed, it rules.

use super::{audit::AuditEntry, now, ServiceResult};
use crate::services::audit::AuditAction;
use crate::{
    entities::{licence, organisation, organisation_user_count},
    model::{
        licence::{LicenceStatus, LicenceSummary, LicenceTerms, LICENCE_SIGNING_PREFIX},
        users::Moment,
        Feature, UserStatus,
    },
};
use crate::{
    msg,
    services::messages::{Message, Refusal},
};
use base64::Engine;
use chrono::NaiveDate;
use sea_orm::{
    prelude::*, sea_query::OnConflict, ActiveValue::Set, DatabaseTransaction, QuerySelect,
};
use std::sync::Arc;

/// The vendor's Ed25519 public key that licence signatures must verify against.
#[derive(Clone, Debug)]
pub struct LicenceKey(Arc<[u8; 32]>);

impl LicenceKey {
    /// A key from its 32 bytes in base64 (standard alphabet), as the vendor publishes it.
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| format!("the licence public key is not base64: {e}"))?;
        let key: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "the licence public key has {} bytes; an Ed25519 key has 32",
                b.len()
            )
        })?;
        Ok(Self(Arc::new(key)))
    }

    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &self.0[..])
            .verify(message, signature)
            .is_ok()
    }
}

/// The bytes a licence signature covers.
pub fn signed_bytes(terms: &LicenceTerms) -> ServiceResult<Vec<u8>> {
    let mut bytes = LICENCE_SIGNING_PREFIX.as_bytes().to_vec();
    serde_json::to_writer(&mut bytes, terms)
        .map_err(|e| super::ServiceError::Internal(format!("licence terms: {e}")))?;
    Ok(bytes)
}

/// A licence file that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedLicence {
    pub licensee: String,
    pub features: Vec<Feature>,
    pub seats: u64,
    pub expires_on: NaiveDate,
    pub signed: bool,
}

/// The licence file as written: its terms and the signature.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LicenceFile {
    licensee: String,
    features: Vec<String>,
    seats: u64,
    expires: String,
    #[serde(default)]
    signature: Option<String>,
}

fn refused(message: Message) -> super::ServiceError {
    Refusal::field("licence", message).into()
}

/// Reads and checks a licence file: its format, its terms, its expiry and, when `key` is set,
/// its signature. Every refusal says what is wrong in words an operator can act on.
pub fn check(text: &str, key: Option<&LicenceKey>) -> ServiceResult<CheckedLicence> {
    if text.trim().is_empty() {
        return Err(refused(msg!("msg.licence.missing")));
    }
    let file: LicenceFile = serde_json::from_str(text)
        .map_err(|e| refused(msg!("msg.licence.not_a_licence", error = e.to_string())))?;
    let licensee = file.licensee.trim();
    if licensee.is_empty() || licensee.chars().any(char::is_control) {
        return Err(refused(msg!("msg.licence.no_licensee")));
    }
    let mut features = Vec::new();
    for code in &file.features {
        let feature = Feature::from_code(code).ok_or_else(|| {
            refused(msg!(
                "msg.licence.unknown_feature",
                code = code,
                features = known_features()
            ))
        })?;
        if !features.contains(&feature) {
            features.push(feature);
        }
    }
    if file.seats == 0 || i64::try_from(file.seats).is_err() {
        return Err(refused(msg!("msg.licence.seats_invalid")));
    }
    let expires_on = NaiveDate::parse_from_str(&file.expires, "%Y-%m-%d")
        .map_err(|_| refused(msg!("msg.licence.expiry_invalid", expires = file.expires)))?;
    let signed = match (key, &file.signature) {
        (None, _) => false,
        (Some(_), None) => return Err(refused(msg!("msg.licence.unsigned"))),
        (Some(key), Some(signature)) => {
            let signature = base64::engine::general_purpose::STANDARD
                .decode(signature.trim())
                .map_err(|_| refused(msg!("msg.licence.signature_damaged")))?;
            let terms = LicenceTerms {
                licensee: file.licensee.clone(),
                features: file.features.clone(),
                seats: file.seats,
                expires: file.expires.clone(),
            };
            if !key.verifies(&signed_bytes(&terms)?, &signature) {
                return Err(refused(msg!("msg.licence.signature_mismatch")));
            }
            true
        }
    };
    if expires_on < now().date_naive() {
        return Err(refused(msg!("msg.licence.expired", day = expires_on)));
    }
    Ok(CheckedLicence {
        licensee: licensee.to_string(),
        features,
        seats: file.seats,
        expires_on,
        signed,
    })
}

fn known_features() -> String {
    Feature::ALL
        .iter()
        .map(|f| f.code())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Who installs a licence: a super-admin in the console, or the operator at the command line.
pub struct Installer {
    pub user_id: Option<Uuid>,
    pub organisation_id: Option<Uuid>,
    pub ip: Option<String>,
}

/// Checks and installs a licence, replacing the one before; returns what was installed.
pub async fn install(
    db: &DatabaseConnection,
    text: &str,
    key: Option<&LicenceKey>,
    installer: Installer,
) -> ServiceResult<CheckedLicence> {
    let checked = check(text, key)?;
    let txn = crate::services::locking::write_txn(db).await?;
    // Replaced in place (an upsert of row 1), never deleted and re-inserted: a transaction
    // waiting in `reserve_seats` on the row then reads the new licence, not no licence at all.
    let row = licence::ActiveModel {
        id: Set(1),
        licensee: Set(checked.licensee.clone()),
        features: Set(serde_json::json!(checked
            .features
            .iter()
            .map(|f| f.code())
            .collect::<Vec<_>>())),
        seats: Set(i64::try_from(checked.seats).unwrap_or(i64::MAX)),
        expires_on: Set(checked.expires_on),
        signed: Set(checked.signed),
        document: Set(text.to_string()),
        installed_at: Set(now()),
        installed_by: Set(installer.user_id),
    };
    licence::Entity::insert(row)
        .on_conflict(
            OnConflict::column(licence::Column::Id)
                .update_columns([
                    licence::Column::Licensee,
                    licence::Column::Features,
                    licence::Column::Seats,
                    licence::Column::ExpiresOn,
                    licence::Column::Signed,
                    licence::Column::Document,
                    licence::Column::InstalledAt,
                    licence::Column::InstalledBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    // Recorded in the admin tenant, where the platform's own activity belongs.
    let admin_tenant = organisation::Entity::find()
        .filter(organisation::Column::IsAdminTenant.eq(true))
        .one(&txn)
        .await?;
    if let Some(admin_tenant) = admin_tenant {
        super::audit::record(
            &txn,
            AuditEntry {
                organisation_id: admin_tenant.id,
                actor_user_id: installer.user_id,
                actor_organisation_id: installer.organisation_id,
                action: AuditAction::LicenceInstalled,
                target_type: "licence",
                target_id: None,
                changes: super::audit::Changes::new()
                    .added("licensee", &checked.licensee)
                    .added("features", &checked.features)
                    .added("seats", checked.seats)
                    .added("expires_on", checked.expires_on.to_string())
                    .added("signed", checked.signed),
                ip: installer.ip,
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(checked)
}

/// The installed licence, if any.
pub async fn current(db: &impl ConnectionTrait) -> ServiceResult<Option<licence::Model>> {
    Ok(licence::Entity::find_by_id(1).one(db).await?)
}

/// The features a licence grants.
pub fn features_of(licence: &licence::Model) -> Vec<Feature> {
    features_in(&licence.features)
}

/// The known feature codes in a JSON array (codes this version does not know are skipped).
pub(super) fn features_in(codes: &serde_json::Value) -> Vec<Feature> {
    codes
        .as_array()
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| c.as_str().and_then(Feature::from_code))
                .collect()
        })
        .unwrap_or_default()
}

/// The features the instance's licence allows: all of them while no licence is installed.
pub async fn licensed_features(db: &impl ConnectionTrait) -> ServiceResult<Vec<Feature>> {
    Ok(match current(db).await? {
        Some(licence) => features_of(&licence),
        None => Feature::ALL.to_vec(),
    })
}

/// Whether the licence's last day has passed.
pub fn expired(licence: &licence::Model) -> bool {
    licence.expires_on < now().date_naive()
}

/// People invited or active, in every organisation: the seats in use.
pub async fn seats_used(db: &impl ConnectionTrait) -> ServiceResult<u64> {
    let counts: Vec<i64> = organisation_user_count::Entity::find()
        .select_only()
        .column(organisation_user_count::Column::Users)
        .filter(
            organisation_user_count::Column::Status
                .is_in([UserStatus::Active.code(), UserStatus::Invited.code()]),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|n| u64::try_from(n).unwrap_or(0))
        .sum())
}

/// Checks, inside the transaction `txn` that is about to add `adding` people (invited, created or
/// reactivated), that the licence has not expired and has that many seats free. On PostgreSQL it
/// locks the licence row so two organisations cannot take the last seat at once. On SQLite the
/// caller must have written already in `txn` (every caller holds an `OrgTxn` or inserts
/// the organisation first), so the transaction holds the database's one write lock.
pub async fn reserve_seats(txn: &DatabaseTransaction, adding: u64) -> ServiceResult<()> {
    let mut query = licence::Entity::find_by_id(1);
    if txn.get_database_backend() != sea_orm::DbBackend::Sqlite {
        query = query.lock_exclusive();
    }
    let Some(licence) = query.one(txn).await? else {
        return Ok(());
    };
    if expired(&licence) {
        return Err(Refusal::Conflict(msg!(
            "msg.licence.expired_no_seats",
            day = licence.expires_on
        ))
        .into());
    }
    let seats = u64::try_from(licence.seats).unwrap_or(0);
    let used = seats_used(txn).await?;
    if used + adding > seats {
        let free = seats.saturating_sub(used);
        let message = if adding == 1 {
            msg!(
                "msg.licence.no_seat",
                seats = seats,
                used = used,
                free = free
            )
        } else {
            msg!(
                "msg.licence.no_seats",
                seats = seats,
                used = used,
                free = free,
                adding = adding
            )
        };
        return Err(Refusal::Conflict(message).into());
    }
    Ok(())
}

/// The Licence page: the installed licence and the seats in use.
pub async fn status(
    db: &impl ConnectionTrait,
    key: Option<&LicenceKey>,
) -> ServiceResult<LicenceStatus> {
    let at = now();
    Ok(LicenceStatus {
        licence: current(db).await?.map(|l| summary(&l, at)),
        seats_used: seats_used(db).await?,
        verifies_signatures: key.is_some(),
    })
}

fn summary(licence: &licence::Model, at: DateTimeUtc) -> LicenceSummary {
    LicenceSummary {
        licensee: licence.licensee.clone(),
        features: features_of(licence),
        seats: u64::try_from(licence.seats).unwrap_or(0),
        expires_on: licence.expires_on.to_string(),
        days_left: (licence.expires_on - at.date_naive()).num_days(),
        signed: licence.signed,
        installed: Moment::new(licence.installed_at, at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    fn key_pair() -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed_unchecked(&[7; 32]).expect("seed")
    }

    fn signed_file(terms: &LicenceTerms, pair: &Ed25519KeyPair) -> String {
        let signature = pair.sign(&signed_bytes(terms).expect("bytes"));
        let mut value = serde_json::to_value(terms).expect("json");
        value["signature"] = base64::engine::general_purpose::STANDARD
            .encode(signature.as_ref())
            .into();
        serde_json::to_string_pretty(&value).expect("text")
    }

    fn terms() -> LicenceTerms {
        LicenceTerms {
            licensee: "Acme Hosting".into(),
            features: vec!["helpdesk".into(), "crm".into()],
            seats: 25,
            expires: "2999-12-31".into(),
        }
    }

    fn public_key(pair: &Ed25519KeyPair) -> LicenceKey {
        LicenceKey::from_base64(
            &base64::engine::general_purpose::STANDARD.encode(pair.public_key().as_ref()),
        )
        .expect("key")
    }

    fn message(error: super::super::ServiceError) -> String {
        crate::model::AppError::from(error).to_string()
    }

    #[test]
    fn a_signed_licence_verifies_and_a_tampered_one_does_not() {
        let pair = key_pair();
        let key = public_key(&pair);
        let text = signed_file(&terms(), &pair);
        let checked = check(&text, Some(&key)).expect("valid");
        assert_eq!(checked.features, vec![Feature::Helpdesk, Feature::Crm]);
        assert!(checked.signed);
        let tampered = text.replace("25", "2500");
        let error = message(check(&tampered, Some(&key)).expect_err("tampered"));
        assert!(error.contains("signature does not match"), "{error}");
        let other = LicenceKey::from_base64(
            &base64::engine::general_purpose::STANDARD.encode(
                Ed25519KeyPair::from_seed_unchecked(&[8; 32])
                    .expect("seed")
                    .public_key()
                    .as_ref(),
            ),
        )
        .expect("key");
        assert!(check(&text, Some(&other)).is_err());
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let key = public_key(&key_pair());
        let unsigned = serde_json::to_string(&terms()).expect("json");
        assert!(message(check(&unsigned, Some(&key)).expect_err("unsigned")).contains("not signed"));
        assert!(
            check(&unsigned, None).is_ok(),
            "no key configured: unsigned is fine"
        );
        let mut unknown = terms();
        unknown.features.push("teleport".into());
        let unknown = serde_json::to_string(&unknown).expect("json");
        assert!(message(check(&unknown, None).expect_err("unknown")).contains("\"teleport\""));
        let mut old = terms();
        old.expires = "2001-01-01".into();
        let old = serde_json::to_string(&old).expect("json");
        assert!(message(check(&old, None).expect_err("expired")).contains("expired on 2001-01-01"));
        assert!(message(check("{nope", None).expect_err("json")).contains("not a Tenantry licence"));
        assert!(LicenceKey::from_base64("AAAA").is_err());
    }
}
