//! The instance's licence as the Platform pages show it, and the licence file's format.

use super::{users::Moment, Feature};
use serde::{Deserialize, Serialize};

/// The licence installed on this instance, as a super-admin reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceSummary {
    pub licensee: String,
    pub features: Vec<Feature>,
    pub seats: u64,
    /// The last day the licence is valid, "2027-12-31".
    pub expires_on: String,
    /// Days from today until it expires; negative once it has.
    pub days_left: i64,
    pub signed: bool,
    pub installed: Moment,
}

impl LicenceSummary {
    pub fn expired(&self) -> bool {
        self.days_left < 0
    }
}

/// The Licence page: the installed licence if any, and the seats in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenceStatus {
    pub licence: Option<LicenceSummary>,
    /// People invited or active in every organisation of the instance.
    pub seats_used: u64,
    /// Whether this instance checks licence signatures (a vendor public key is configured).
    pub verifies_signatures: bool,
}

/// What a licence file says, in the order its signature covers. The file is this object in JSON
/// with a `signature` member added: the Ed25519 signature (base64) of
/// [`LICENCE_SIGNING_PREFIX`] followed by this object's compact JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceTerms {
    pub licensee: String,
    pub features: Vec<String>,
    pub seats: u64,
    /// The last day the licence is valid, "YYYY-MM-DD".
    pub expires: String,
}

/// What a licence signature covers before the terms, so a signature over other data never
/// passes for a licence's.
pub const LICENCE_SIGNING_PREFIX: &str = "tenantry-licence-v1\n";
