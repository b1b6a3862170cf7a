//! The AWS Database Encryption SDK behind a `Db`: keyrings, the table configs built from
//! the models, and its interceptor, wrapped so that its failures name the table and key.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use aws_db_esdk::dynamodb::types::{DynamoDbTableEncryptionConfig, PlaintextOverride};
use aws_db_esdk::intercept::DbEsdkInterceptor;
use aws_db_esdk::item_encryptor;
use aws_db_esdk::item_encryptor::types::DynamoDbItemEncryptorConfig;
use aws_db_esdk::material_providers::client as mpl;
use aws_db_esdk::material_providers::types::keyring::KeyringRef;
use aws_db_esdk::material_providers::types::material_providers_config::MaterialProvidersConfig;
use aws_db_esdk::material_providers::types::AesWrappingAlg;
use aws_db_esdk::DynamoDbTablesEncryptionConfig;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, FinalizerInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use base64::Engine as _;

use super::CryptoAction;
use crate::error::{DecodeError, Error};
use crate::model::Model;

/// The environment variable a [`Keyring::from_env`] reads: a raw AES-256 key, base64.
///
/// ```
/// assert_eq!(dynamongo_runtime::encryption::KEY_VARIABLE, "DYNAMONGO_ENCRYPTION_KEY");
/// ```
pub const KEY_VARIABLE: &str = "DYNAMONGO_ENCRYPTION_KEY";

/// Where the data keys that encrypt items come from.
///
/// ```
/// use dynamongo_runtime::encryption::Keyring;
/// let local = Keyring::raw_aes("dynamongo", [7u8; 32]);
/// let aws = Keyring::kms("arn:aws:kms:us-east-2:111122223333:key/0000");
/// # let _ = (local, aws);
/// ```
pub struct Keyring(Source);

enum Source {
    RawAes { name: String, key: Vec<u8> },
    Kms(String),
    FromEnv,
    Sdk(KeyringRef),
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print a key.
        match &self.0 {
            Source::RawAes { name, .. } => write!(f, "Keyring::raw_aes({name:?}, <redacted>)"),
            Source::Kms(arn) => write!(f, "Keyring::kms({arn:?})"),
            Source::FromEnv => write!(f, "Keyring::from_env()"),
            Source::Sdk(_) => write!(f, "Keyring::sdk(..)"),
        }
    }
}

impl Keyring {
    /// A raw AES-256 wrapping key (32 bytes) named `name`: for tests and local stores, or
    /// where the key is kept outside AWS. Items written with one key name are read with the
    /// same name and key.
    pub fn raw_aes(name: impl Into<String>, key: impl AsRef<[u8]>) -> Self {
        Keyring(Source::RawAes {
            name: name.into(),
            key: key.as_ref().to_vec(),
        })
    }

    /// An AWS KMS key (its ARN; multi-Region keys work too): production. Credentials and
    /// region come from the environment, as for DynamoDB.
    pub fn kms(key_arn: impl Into<String>) -> Self {
        Keyring(Source::Kms(key_arn.into()))
    }

    /// The raw AES-256 key in `DYNAMONGO_ENCRYPTION_KEY` (base64 of 32 bytes), key name
    /// `dynamongo`: what a builder given models but no keyring uses. Read when the `Db` is
    /// built; missing or malformed is [`Error::Config`].
    pub fn from_env() -> Self {
        Keyring(Source::FromEnv)
    }

    /// A keyring built with the SDK's material providers (hierarchical, multi, RSA, ...).
    pub fn sdk(keyring: KeyringRef) -> Self {
        Keyring(Source::Sdk(keyring))
    }

    async fn build(self) -> Result<KeyringRef, Error> {
        let (name, key) = match self.0 {
            Source::Sdk(k) => return Ok(k),
            Source::RawAes { name, key } => (name, key),
            Source::FromEnv => {
                let text = std::env::var(KEY_VARIABLE).unwrap_or_default();
                if text.trim().is_empty() {
                    return Err(Error::Config(format!(
                        "{KEY_VARIABLE} is not set: encrypted models need a keyring \
                         (DbBuilder::encryption) or a base64 AES-256 key in {KEY_VARIABLE}"
                    )));
                }
                let key = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|e| Error::Config(format!("{KEY_VARIABLE} is not base64: {e}")))?;
                ("dynamongo".to_string(), key)
            }
            Source::Kms(arn) => {
                let keyring = providers()?
                    .create_aws_kms_mrk_multi_keyring()
                    .generator(arn.clone())
                    .send()
                    .await
                    .map_err(|e| Error::Config(format!("KMS keyring for {arn}: {e:?}")))?;
                return Ok(keyring);
            }
        };
        if key.len() != 32 {
            return Err(Error::Config(format!(
                "raw AES keyring `{name}`: the key must be 32 bytes (AES-256), not {}",
                key.len()
            )));
        }
        providers()?
            .create_raw_aes_keyring()
            .key_name(name.clone())
            .key_namespace("dynamongo")
            .wrapping_key(key)
            .wrapping_alg(AesWrappingAlg::AlgAes256GcmIv12Tag16)
            .send()
            .await
            .map_err(|e| Error::Config(format!("raw AES keyring `{name}`: {e:?}")))
    }
}

fn providers() -> Result<mpl::Client, Error> {
    let config = MaterialProvidersConfig::builder()
        .build()
        .map_err(|e| Error::Config(format!("encryption SDK: {e:?}")))?;
    mpl::Client::from_conf(config).map_err(|e| Error::Config(format!("encryption SDK: {e:?}")))
}

/// A step of moving a table's existing plaintext items to encrypted ones (the SDK's
/// plaintext overrides), for [`Encryption::migrating`]: deploy `WritePlaintext` to every
/// reader, then `ReadPlaintext` everywhere, run the model's backfill to encrypt the old
/// items, then drop the override. A model whose spec says `"plaintext_items": true` is in
/// step 2 without being told.
///
/// ```no_run
/// # async fn demo() -> dynamongo_runtime::Result<()> {
/// use dynamongo_runtime::encryption::{Keyring, Migration};
/// # use dynamongo_runtime::codegen::example::user::User as Patient;
/// // The first deploy: readers learn to read encrypted items; writes stay plaintext.
/// let db = dynamongo_runtime::Db::builder()
///     .encryption(Keyring::from_env())
///     .migrating::<Patient>(Migration::WritePlaintext)
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Migration {
    /// Step 1: write plaintext as before, and read plaintext and encrypted items.
    WritePlaintext,
    /// Step 2: write encrypted items, and still read plaintext ones.
    ReadPlaintext,
}

/// The encryption of a `Db`: a keyring and the models whose tables it encrypts
/// ([`DbBuilder::encryption`](crate::db::DbBuilder::encryption) builds one).
///
/// ```
/// use dynamongo_runtime::encryption::{Encryption, Keyring};
/// # use dynamongo_runtime::codegen::example::user::User;
/// let encryption = Encryption::new(Keyring::raw_aes("dynamongo", [7u8; 32]));
/// # let _ = encryption;
/// ```
#[derive(Debug)]
pub struct Encryption {
    keyring: Option<Keyring>,
    tables: BTreeMap<&'static str, TablePlan>,
    errors: Vec<String>,
}

#[derive(Debug)]
struct TablePlan {
    hash: &'static str,
    range: Option<&'static str>,
    actions: BTreeMap<&'static str, (CryptoAction, &'static str)>,
    migration: Option<Migration>,
}

impl Encryption {
    /// Encryption with `keyring`, of no model yet.
    pub fn new(keyring: Keyring) -> Self {
        Encryption {
            keyring: Some(keyring),
            tables: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn unkeyed() -> Self {
        Encryption {
            keyring: None,
            tables: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn set_keyring(&mut self, keyring: Keyring) {
        self.keyring = Some(keyring);
    }

    /// Encrypts the table of model `M` (every entity of a single-table design shares its
    /// table's config: give each, their actions are merged).
    pub fn model<M: Model>(mut self) -> Self {
        let name = std::any::type_name::<M>();
        let short = name.rsplit("::").next().unwrap_or(name);
        if M::ATTRIBUTE_ACTIONS.is_empty() {
            self.errors.push(format!(
                "`{short}` has no encrypted table (no field of table `{}` is \"encrypt\": true)",
                M::TABLE
            ));
            return self;
        }
        let plan = self.tables.entry(M::TABLE).or_insert_with(|| TablePlan {
            hash: M::HASH_KEY.name,
            range: M::RANGE_KEY.map(|r| r.name),
            actions: BTreeMap::new(),
            migration: None,
        });
        if M::PLAINTEXT_ITEMS && plan.migration.is_none() {
            plan.migration = Some(Migration::ReadPlaintext);
        }
        for (attr, action) in M::ATTRIBUTE_ACTIONS {
            match plan.actions.get(attr) {
                Some((other, by)) if other != action => self.errors.push(format!(
                    "attribute `{attr}` of table `{}` is {} in `{short}` but {} in `{by}`",
                    M::TABLE,
                    action.as_str(),
                    other.as_str()
                )),
                Some(_) => {}
                None => {
                    plan.actions.insert(attr, (*action, short_name(name)));
                }
            }
        }
        self
    }

    /// Model `M`'s table is being moved from plaintext to encrypted items (a
    /// [`Migration`] step).
    pub fn migrating<M: Model>(mut self, step: Migration) -> Self {
        self = self.model::<M>();
        if let Some(plan) = self.tables.get_mut(M::TABLE) {
            plan.migration = Some(step);
        }
        self
    }

    /// A client like `client` whose calls encrypt and decrypt the configured tables.
    pub(crate) async fn install(
        self,
        client: &Client,
        prefix: &str,
    ) -> Result<(Client, Installed), Error> {
        if !self.errors.is_empty() {
            return Err(Error::Config(format!(
                "encryption: {}",
                self.errors.join("; ")
            )));
        }
        let keyring = self
            .keyring
            .unwrap_or_else(Keyring::from_env)
            .build()
            .await?;
        let mut configs = HashMap::new();
        let mut tables = BTreeMap::new();
        let mut decryptors = HashMap::new();
        for (logical, plan) in self.tables {
            let unsigned: Vec<String> = plan
                .actions
                .iter()
                .filter(|(_, (a, _))| *a == CryptoAction::DoNothing)
                .map(|(n, _)| n.to_string())
                .collect();
            let actions: HashMap<String, aws_db_esdk::CryptoAction> = plan
                .actions
                .iter()
                .map(|(n, (a, _))| (n.to_string(), sdk_action(*a)))
                .collect();
            let plaintext = plan.migration.map(|step| match step {
                Migration::WritePlaintext => {
                    PlaintextOverride::ForcePlaintextWriteAllowPlaintextRead
                }
                Migration::ReadPlaintext => {
                    PlaintextOverride::ForbidPlaintextWriteAllowPlaintextRead
                }
            });
            let failed = |e: &dyn fmt::Debug| {
                Error::Config(format!("encryption of table `{logical}`: {e:?}"))
            };
            let config = DynamoDbTableEncryptionConfig::builder()
                .logical_table_name(logical)
                .partition_key_name(plan.hash)
                .set_sort_key_name(plan.range.map(str::to_string))
                .attribute_actions_on_encrypt(actions.clone())
                .keyring(keyring.clone())
                .set_allowed_unsigned_attributes((!unsigned.is_empty()).then(|| unsigned.clone()))
                .set_plaintext_override(plaintext)
                .build()
                .map_err(|e| failed(&e))?;
            // The same config for items read outside a call (a backfill's raw pages,
            // Streams records).
            let item_config = DynamoDbItemEncryptorConfig::builder()
                .logical_table_name(logical)
                .partition_key_name(plan.hash)
                .set_sort_key_name(plan.range.map(str::to_string))
                .attribute_actions_on_encrypt(actions)
                .keyring(keyring.clone())
                .set_allowed_unsigned_attributes((!unsigned.is_empty()).then_some(unsigned))
                .set_plaintext_override(plaintext)
                .build()
                .map_err(|e| failed(&e))?;
            let decryptor =
                item_encryptor::client::Client::from_conf(item_config).map_err(|e| failed(&e))?;
            let physical = format!("{prefix}{logical}");
            decryptors.insert(physical.clone(), decryptor);
            configs.insert(physical.clone(), config);
            tables.insert(physical, (plan.hash, plan.range));
        }
        let configs = DynamoDbTablesEncryptionConfig::builder()
            .table_encryption_configs(configs)
            .build()
            .map_err(|e| Error::Config(format!("encryption: {e:?}")))?;
        let inner = DbEsdkInterceptor::new(configs)
            .map_err(|e| Error::Config(format!("encryption: {e:?}")))?;
        let config = client
            .config()
            .to_builder()
            .interceptor(Guard { inner, tables })
            .build();
        Ok((
            Client::from_conf(config),
            Installed {
                raw: client.clone(),
                decryptors,
            },
        ))
    }
}

fn short_name(name: &'static str) -> &'static str {
    name.rsplit("::").next().unwrap_or(name)
}

fn sdk_action(a: CryptoAction) -> aws_db_esdk::CryptoAction {
    match a {
        CryptoAction::EncryptAndSign => aws_db_esdk::CryptoAction::EncryptAndSign,
        CryptoAction::SignOnly => aws_db_esdk::CryptoAction::SignOnly,
        CryptoAction::DoNothing => aws_db_esdk::CryptoAction::DoNothing,
    }
}

/// What a `Db` encrypts: the (prefixed) tables of its config, each with an item
/// encryptor for items read outside a call, and the client without encryption.
pub(crate) struct Installed {
    raw: Client,
    decryptors: HashMap<String, item_encryptor::client::Client>,
}

impl fmt::Debug for Installed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Installed")
            .field("tables", &self.decryptors.keys().collect::<BTreeSet<_>>())
            .finish()
    }
}

/// The attribute the SDK writes on every item it encrypts.
const HEAD: &str = "aws_dbe_head";

impl Installed {
    pub(crate) fn covers(&self, table: &str) -> bool {
        self.decryptors.contains_key(table)
    }

    /// The client without the encryption interceptor: what a backfill scans with, to see
    /// which items are stored plaintext.
    pub(crate) fn raw_client(&self) -> &Client {
        &self.raw
    }

    /// A stored item of `table` as read raw: decrypted and verified when it was written
    /// encrypted (`true`), as it is when stored plaintext (`false`; a table being
    /// migrated holds such items).
    pub(crate) async fn open(
        &self,
        table: &str,
        item: HashMap<String, AttributeValue>,
    ) -> Result<(HashMap<String, AttributeValue>, bool), Error> {
        if !item.contains_key(HEAD) {
            return Ok((item, false));
        }
        let Some(decryptor) = self.decryptors.get(table) else {
            return Err(Error::Config(format!(
                "table `{table}` is not encrypted by this Db"
            )));
        };
        let out = decryptor
            .decrypt_item()
            .encrypted_item(item)
            .send()
            .await
            .map_err(|e| {
                Failure {
                    reading: true,
                    table: table.to_string(),
                    key: None,
                    message: message_of(&format!("{e:?}")),
                }
                .into_error()
            })?;
        let plain = out.plaintext_item.clone().ok_or_else(|| {
            Error::Config(format!(
                "the encryption SDK returned no item for table `{table}`"
            ))
        })?;
        Ok((plain, true))
    }
}

/// A failure of the encryption SDK on one call, with the table and key it was about.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// On the response (decrypting or verifying what came back), not the request.
    pub(crate) reading: bool,
    pub(crate) table: String,
    pub(crate) key: Option<String>,
    pub(crate) message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

impl Failure {
    /// As dynamongo's error: a response that does not decrypt or verify is a decode error
    /// of the table (and key); a request the SDK refuses is a configuration error.
    fn into_error(self) -> Error {
        if self.reading {
            let found = match &self.key {
                Some(k) => format!("the item with key {k}: {}", self.message),
                None => self.message.clone(),
            };
            Error::Decode {
                table: self.table,
                source: DecodeError::new(
                    "an item that decrypts and whose signature verifies",
                    found,
                ),
            }
        } else {
            Error::Config(format!(
                "the encryption SDK refused a request on table `{}`: {}",
                self.table, self.message
            ))
        }
    }
}

/// The dynamongo error for an SDK error caused by the encryption interceptor, if it was.
pub(crate) fn failure_of(err: &(dyn std::error::Error + 'static)) -> Option<Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(f) = e.downcast_ref::<Failure>() {
            return Some(f.clone().into_error());
        }
        current = e.source();
    }
    None
}

/// The table and key of the call under way (kept for the response's errors).
#[derive(Debug, Clone)]
struct Called {
    table: String,
    key: Option<String>,
}

impl Storable for Called {
    type Storer = StoreReplace<Self>;
}

/// The SDK's interceptor, whose errors (a `Debug` string) become [`Failure`]s.
#[derive(Debug)]
struct Guard {
    inner: DbEsdkInterceptor,
    tables: BTreeMap<String, (&'static str, Option<&'static str>)>,
}

fn key_text(
    key: Option<&HashMap<String, AttributeValue>>,
    names: Option<&(&'static str, Option<&'static str>)>,
) -> Option<String> {
    let (key, (hash, range)) = (key?, names?);
    let one = |n: &str| {
        key.get(n).map(|v| match v {
            AttributeValue::S(s) => format!("{n}={s}"),
            AttributeValue::N(x) => format!("{n}={x}"),
            other => format!("{n}={other:?}"),
        })
    };
    let parts: Vec<String> = std::iter::once(*hash)
        .chain(*range)
        .filter_map(one)
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The SDK's message out of its `Debug` text (`... message: "..." ...`).
fn message_of(debug: &str) -> String {
    match debug.find("message: \"") {
        Some(i) => {
            let rest = &debug[i + "message: \"".len()..];
            let end = rest
                .find("\" }")
                .or_else(|| rest.find('"'))
                .unwrap_or(rest.len());
            rest[..end].replace("\\\"", "\"")
        }
        None => debug.to_string(),
    }
}

impl Intercept for Guard {
    fn name(&self) -> &'static str {
        "DynamongoEncryption"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        use aws_sdk_dynamodb::operation as op;
        let input = context.input();
        let names = |t: &Option<String>| t.as_ref().and_then(|t| self.tables.get(t));
        let (table, key) = if let Some(i) = input.downcast_ref::<op::get_item::GetItemInput>() {
            (
                i.table_name.clone(),
                key_text(i.key.as_ref(), names(&i.table_name)),
            )
        } else if let Some(i) = input.downcast_ref::<op::put_item::PutItemInput>() {
            (
                i.table_name.clone(),
                key_text(i.item.as_ref(), names(&i.table_name)),
            )
        } else if let Some(i) = input.downcast_ref::<op::delete_item::DeleteItemInput>() {
            (
                i.table_name.clone(),
                key_text(i.key.as_ref(), names(&i.table_name)),
            )
        } else if let Some(i) = input.downcast_ref::<op::update_item::UpdateItemInput>() {
            (
                i.table_name.clone(),
                key_text(i.key.as_ref(), names(&i.table_name)),
            )
        } else if let Some(i) = input.downcast_ref::<op::query::QueryInput>() {
            (i.table_name.clone(), None)
        } else if let Some(i) = input.downcast_ref::<op::scan::ScanInput>() {
            (i.table_name.clone(), None)
        } else if let Some(i) = input.downcast_ref::<op::batch_get_item::BatchGetItemInput>() {
            (
                i.request_items
                    .as_ref()
                    .and_then(|r| r.keys().next().cloned()),
                None,
            )
        } else if let Some(i) = input.downcast_ref::<op::batch_write_item::BatchWriteItemInput>() {
            (
                i.request_items
                    .as_ref()
                    .and_then(|r| r.keys().next().cloned()),
                None,
            )
        } else {
            (None, None)
        };
        let called = Called {
            table: table.unwrap_or_default(),
            key,
        };
        cfg.interceptor_state().store_put(called.clone());
        self.inner
            .modify_before_serialization(context, rc, cfg)
            .map_err(|e| {
                Box::new(Failure {
                    reading: false,
                    table: called.table,
                    key: called.key,
                    message: message_of(&e.to_string()),
                }) as BoxError
            })
    }

    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .modify_before_attempt_completion(context, rc, cfg)
            .map_err(|e| {
                let called = cfg.load::<Called>().cloned().unwrap_or(Called {
                    table: String::new(),
                    key: None,
                });
                Box::new(Failure {
                    reading: true,
                    table: called.table,
                    key: called.key,
                    message: message_of(&e.to_string()),
                }) as BoxError
            })
    }
}
