//! Client-side encryption of a model's `"encrypt": true` fields (DESIGN §14), with the AWS
//! Database Encryption SDK (`aws-db-esdk`) — feature `encryption`.
//!
//! A model with an encrypted field has an encrypted table: its encrypted fields are
//! encrypted and signed, every other attribute is signed (or left out of the signature with
//! `"signed": false`). The generated model lists these actions
//! ([`Model::ATTRIBUTE_ACTIONS`](crate::Model::ATTRIBUTE_ACTIONS)); a [`Db`](crate::Db)
//! given a [`Keyring`] and the models builds the SDK's table configs from them and installs
//! its interceptor, so every call — single items, batches, transactions, pages,
//! collections — writes ciphertext and reads plaintext, and an item whose signature does
//! not verify is [`Error::Decode`](crate::Error::Decode), never returned.
//!
//! ```no_run
//! # async fn demo() -> dynamongo_runtime::Result<()> {
//! use dynamongo_runtime::encryption::Keyring;
//! # use dynamongo_runtime::codegen::example::user::User as Patient;
//! let db = dynamongo_runtime::Db::builder()
//!     .encryption(Keyring::kms("arn:aws:kms:us-east-2:111122223333:key/0000"))
//!     .encrypted::<Patient>()
//!     .build()
//!     .await?;
//! # Ok(()) }
//! ```

/// What the encryption SDK does with one attribute of an encrypted table.
///
/// ```
/// use dynamongo_runtime::encryption::CryptoAction;
/// assert_eq!(CryptoAction::SignOnly.as_str(), "SIGN_ONLY");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CryptoAction {
    /// Encrypted and signed (`"encrypt": true`): the table holds ciphertext.
    EncryptAndSign,
    /// Plaintext, signed: a change made outside this model is detected on read.
    SignOnly,
    /// Plaintext, unsigned (`"signed": false`): may be updated in place.
    DoNothing,
}

impl CryptoAction {
    /// The SDK's name (`ENCRYPT_AND_SIGN`, `SIGN_ONLY`, `DO_NOTHING`).
    pub const fn as_str(self) -> &'static str {
        match self {
            CryptoAction::EncryptAndSign => "ENCRYPT_AND_SIGN",
            CryptoAction::SignOnly => "SIGN_ONLY",
            CryptoAction::DoNothing => "DO_NOTHING",
        }
    }
}

/// The action of `attribute` in model `M`'s table, when it is encrypted.
pub(crate) fn action_of<M: crate::Model>(attribute: &str) -> Option<CryptoAction> {
    M::ATTRIBUTE_ACTIONS
        .iter()
        .find(|(a, _)| *a == attribute)
        .map(|(_, x)| *x)
}

/// Whether model `M`'s table is encrypted client-side.
pub(crate) fn encrypted<M: crate::Model>() -> bool {
    !M::ATTRIBUTE_ACTIONS.is_empty()
}

#[cfg(feature = "encryption")]
mod sdk;
#[cfg(feature = "encryption")]
pub use sdk::KEY_VARIABLE;
#[cfg(feature = "encryption")]
pub(crate) use sdk::{failure_of, Installed};
#[cfg(feature = "encryption")]
pub use sdk::{Encryption, Keyring, Migration};

/// Without the feature, a `Db` encrypts nothing.
#[cfg(not(feature = "encryption"))]
#[derive(Debug)]
pub(crate) struct Installed;

#[cfg(not(feature = "encryption"))]
impl Installed {
    pub(crate) fn covers(&self, _table: &str) -> bool {
        false
    }

    pub(crate) async fn open(
        &self,
        _table: &str,
        item: crate::value::Item,
    ) -> Result<(crate::value::Item, bool), crate::Error> {
        Ok((item, false))
    }
}
