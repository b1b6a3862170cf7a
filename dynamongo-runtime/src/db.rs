//! `Db`: a DynamoDB client with a table prefix — on AWS, on any endpoint, or on the
//! embedded in-process store.

use std::fmt;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::capacity::Meter;
use crate::cursor::CursorKeys;
use crate::error::Error;
use crate::retry::RetryQuota;

/// A connection to DynamoDB (cheap to clone).
///
/// ```no_run
/// # async fn demo() -> Result<(), dynamongo_runtime::Error> {
/// use dynamongo_runtime::Db;
/// let db = Db::builder().region("us-east-2").table_prefix("test-").build().await?;
/// assert_eq!(db.table_name("users"), "test-users");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Db {
    client: Client,
    // Shared, not copied, by clones and metered copies.
    prefix: Arc<str>,
    endpoint: Option<Arc<str>>,
    retry: crate::retry::RetryPolicy,
    cursors: Arc<CursorKeys>,
    /// Shared by every clone and metered copy: the connection's retry budget.
    quota: Arc<RetryQuota>,
    /// What calls that would Scan do.
    scans: Scans,
    /// The meter of a metered copy (`metered()`), counting for its parents too.
    meter: Option<Meter>,
    /// The tables its client encrypts (feature `encryption`).
    crypto: Option<Arc<crate::encryption::Installed>>,
    // Keeps the embedded server alive while any clone of this Db exists.
    _embedded: Option<Arc<EmbeddedGuard>>,
}

/// What a call that would Scan does ([`DbBuilder::scans`]): a Scan reads, and pays for,
/// every item of the table.
///
/// ```
/// # async fn demo() -> dynamongo_runtime::Result<()> {
/// use dynamongo_runtime::config::Scans;
/// let db = dynamongo_runtime::Db::builder().scans(Scans::Refuse).build().await?;
/// assert_eq!(db.scans(), Scans::Refuse);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scans {
    /// Scan (the default).
    #[default]
    Allow,
    /// Scan, and log a `tracing` warning naming the plan and the table.
    Warn,
    /// Refuse: [`Error::ScanRefused`] before any request is sent (`explain()` still
    /// answers).
    Refuse,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print credentials: the client's config holds them.
        f.debug_struct("Db")
            .field("table_prefix", &self.prefix)
            .field("endpoint_url", &self.endpoint)
            .field("embedded", &self._embedded.is_some())
            .field("scans", &self.scans)
            .field("metered", &self.meter.is_some())
            .field("encrypted", &self.crypto.is_some())
            .finish()
    }
}

pub(crate) struct EmbeddedGuard {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// The store's thread: joined on drop, so that the server's handles on the store are
    /// gone before the last one, `store`, is dropped: SQLite then closes the file, folding
    /// its write-ahead log in, so copying the file alone copies the store.
    thread: Option<std::thread::JoinHandle<()>>,
    #[cfg(feature = "embedded")]
    store: dynoxide::Database,
}

impl Drop for EmbeddedGuard {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            // The store's own thread and runtime: joining blocks no caller's runtime
            // work it depends on, and takes as long as closing the store does.
            let _ = t.join();
        }
    }
}

impl Db {
    /// A `Db` from an SDK client you configured yourself. Its retry configuration is kept:
    /// turn the SDK's retries off (`RetryConfig::disabled()`) for dynamongo's
    /// [`RetryPolicy`](crate::config::RetryPolicy) to be the only layer.
    pub fn from_client(client: Client, table_prefix: impl Into<String>) -> Self {
        Db {
            client,
            prefix: Arc::from(table_prefix.into()),
            endpoint: None,
            retry: Default::default(),
            cursors: Arc::new(CursorKeys::random()),
            quota: Arc::default(),
            scans: Scans::Allow,
            meter: None,
            crypto: None,
            _embedded: None,
        }
    }

    /// This `Db` with client-side encryption of the tables of the models `encryption`
    /// names (its embedded store too): the same connection settings, a client whose calls
    /// encrypt and sign what they write and verify and decrypt what they read.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> dynamongo_runtime::Result<()> {
    /// use dynamongo_runtime::encryption::{Encryption, Keyring};
    /// let db = dynamongo_runtime::Db::embedded().await?;
    /// let db = db.with_encryption(Encryption::new(Keyring::raw_aes("dynamongo", [7u8; 32]))).await?;
    /// # let _ = db;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "encryption")]
    pub async fn with_encryption(
        mut self,
        encryption: crate::encryption::Encryption,
    ) -> Result<Db, Error> {
        let (client, installed) = encryption.install(&self.client, &self.prefix).await?;
        self.client = client;
        self.crypto = Some(Arc::new(installed));
        Ok(self)
    }

    /// Without the feature, no connection encrypts.
    #[cfg(not(feature = "encryption"))]
    pub(crate) fn raw(&self) -> Option<(Db, &crate::encryption::Installed)> {
        None
    }

    /// The same connection without client-side encryption (a backfill scans encrypted
    /// tables raw, to find the items still stored plaintext), and its encryption.
    #[cfg(feature = "encryption")]
    pub(crate) fn raw(&self) -> Option<(Db, &crate::encryption::Installed)> {
        let installed = self.crypto.as_deref()?;
        let mut raw = self.clone();
        raw.client = installed.raw_client().clone();
        raw.crypto = None;
        Some((raw, installed))
    }

    /// Refuses, before anything is sent, a call on an encrypted model whose table this
    /// `Db` does not encrypt: it would write plaintext, or read ciphertext.
    pub(crate) fn check_encrypted<M: crate::Model>(&self) -> Result<(), Error> {
        if !crate::encryption::encrypted::<M>() {
            return Ok(());
        }
        let table = self.table(M::TABLE);
        if self.crypto.as_ref().is_some_and(|c| c.covers(&table)) {
            return Ok(());
        }
        let name = std::any::type_name::<M>();
        let name = name.rsplit("::").next().unwrap_or(name);
        let how = if cfg!(feature = "encryption") {
            format!("Db::builder().encryption(keyring).encrypted::<{name}>()")
        } else {
            "dynamongo-runtime's feature `encryption`, and Db::builder().encryption(keyring)"
                .to_string()
        };
        Err(Error::Config(format!(
            "`{name}` has encrypted fields (table `{table}`), and this Db does not encrypt \
             its table: nothing was sent; build the Db with {how}"
        )))
    }

    /// A `Db` sharing this one's connection (client, retry quota, settings) whose calls
    /// are counted by the [`Meter`] returned with it: a web handler meters its own
    /// request this way. What the copy's calls consume is counted by this `Db`'s meter
    /// too, when it is itself metered.
    ///
    /// ```
    /// # use dynamongo_runtime::prelude::*;
    /// # use dynamongo_runtime::codegen::example::user::User;
    /// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
    /// let (db, meter) = db.metered();
    /// let users = User::get_many(&db, vec!["a@b.io", "c@d.io"]).await?;
    /// tracing::info!(read_units = meter.total().read_units, "listed {} users", users.len());
    /// # Ok(()) }
    /// ```
    pub fn metered(&self) -> (Db, Meter) {
        let meter = Meter::new(self.prefix.clone(), self.meter.clone());
        let mut db = self.clone();
        db.meter = Some(meter.clone());
        (db, meter)
    }

    /// The meter of a metered copy ([`Db::metered`]).
    pub(crate) fn meter(&self) -> Option<&Meter> {
        self.meter.as_ref()
    }

    /// The connection's retry quota.
    pub(crate) fn quota(&self) -> &RetryQuota {
        &self.quota
    }

    /// Retry tokens left in this connection's quota (500 at most; a retry takes 5, 10
    /// after a timeout; a call that succeeds gives back what its retries took, or 1).
    ///
    /// ```
    /// # async fn demo(db: dynamongo_runtime::Db) {
    /// assert!(db.retry_tokens() <= 500);
    /// # }
    /// ```
    pub fn retry_tokens(&self) -> u32 {
        self.quota.available()
    }

    /// What calls that would Scan do (default [`Scans::Allow`]).
    pub fn scans(&self) -> Scans {
        self.scans
    }

    /// The same `Db` with another scan policy.
    ///
    /// ```
    /// # fn demo(db: dynamongo_runtime::Db) {
    /// use dynamongo_runtime::config::Scans;
    /// let strict = db.with_scans(Scans::Refuse);
    /// assert_eq!(strict.scans(), Scans::Refuse);
    /// # }
    /// ```
    pub fn with_scans(mut self, scans: Scans) -> Self {
        self.scans = scans;
        self
    }

    /// The retry and concurrency policy of batch calls (default: [`crate::config::RetryPolicy::default`]).
    pub fn retry_policy(&self) -> crate::retry::RetryPolicy {
        self.retry
    }

    /// The same `Db` with another batch retry policy.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), dynamongo_runtime::Error> {
    /// use dynamongo_runtime::{Db, config::RetryPolicy};
    /// let db = Db::from_env().await?.with_retry_policy(RetryPolicy { concurrency: 16, ..Default::default() });
    /// # Ok(()) }
    /// ```
    pub fn with_retry_policy(mut self, policy: crate::retry::RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The same `Db` signing page cursors with `current` and accepting those signed with
    /// any of `previous` (to rotate keys without breaking the cursors clients hold). Keys
    /// are secrets of at least 16 bytes (32 random bytes are best); a shorter one is
    /// [`Error::Config`]. Without a key, each `Db` has a random one: cursors then do not
    /// survive a restart and are refused by another instance. See also
    /// [`DbBuilder::cursor_key`](crate::config::DbBuilder::cursor_key).
    ///
    /// ```
    /// # fn demo(db: dynamongo_runtime::Db) -> dynamongo_runtime::Result<()> {
    /// let db = db.with_cursor_keys(b"new secret: 32 random bytes here", [b"the old secret, still accepted"])?;
    /// # Ok(()) }
    /// ```
    pub fn with_cursor_keys<K: AsRef<[u8]>>(
        mut self,
        current: impl AsRef<[u8]>,
        previous: impl IntoIterator<Item = K>,
    ) -> Result<Self, Error> {
        self.cursors = Arc::new(CursorKeys::new(
            current.as_ref().to_vec(),
            previous.into_iter().map(|k| k.as_ref().to_vec()).collect(),
        )?);
        Ok(self)
    }

    pub(crate) fn cursor_keys(&self) -> &CursorKeys {
        &self.cursors
    }

    /// Configuration from the environment: the seed's `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_REGION_NAME` (default `us-east-2`) and
    /// `AWS_TABLE_PREFIX`, plus everything the standard aws-config chain reads
    /// (`AWS_REGION`, profiles, `AWS_ENDPOINT_URL`, ...).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), dynamongo_runtime::Error> {
    /// let db = dynamongo_runtime::Db::from_env().await?;
    /// # Ok(()) }
    /// ```
    pub async fn from_env() -> Result<Db, Error> {
        Db::builder().build().await
    }

    /// A builder to set region, prefix, endpoint and credentials explicitly (these
    /// override the environment, like the seed's `Connection.set_config`).
    pub fn builder() -> DbBuilder {
        DbBuilder::default()
    }

    /// The SDK client, for what dynamongo does not cover (table maintenance, ...).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table prefix (empty when none).
    pub fn table_prefix(&self) -> &str {
        &self.prefix
    }

    /// The full table name for a model's table.
    pub fn table_name(&self, table: &str) -> String {
        // Called for every request: two copies, no formatting machinery.
        let mut name = String::with_capacity(self.prefix.len() + table.len());
        name.push_str(&self.prefix);
        name.push_str(table);
        name
    }

    /// The full name of a model's table (`M::TABLE`): borrowed when there is no prefix, so
    /// that a call names its table without allocating.
    pub(crate) fn table(&self, table: &'static str) -> std::borrow::Cow<'static, str> {
        if self.prefix.is_empty() {
            std::borrow::Cow::Borrowed(table)
        } else {
            std::borrow::Cow::Owned(self.table_name(table))
        }
    }

    /// The endpoint this `Db` talks to when it is not AWS's default: `Some` for the
    /// embedded store, so other clients (boto3, the AWS CLI) can reach it too.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// An in-process DynamoDB-compatible store (dynoxide), served over HTTP on
    /// 127.0.0.1 and reached through the real SDK client. Each call is a new, empty store;
    /// it stops when the last clone of the returned `Db` is dropped.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), dynamongo_runtime::Error> {
    /// let db = dynamongo_runtime::Db::embedded().await?;
    /// assert!(db.endpoint_url().unwrap().starts_with("http://127.0.0.1:"));
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "embedded")]
    pub async fn embedded() -> Result<Db, Error> {
        let store = dynoxide::Database::memory()
            .map_err(|e| Error::Config(format!("embedded store: {e}")))?;
        Db::serve_embedded(store).await
    }

    /// The embedded store kept in a file (SQLite) at `path`: what was saved is there again
    /// when the process starts anew, also after the process was killed (an acknowledged
    /// write is in the file's write-ahead log). It is made when it does not exist. One
    /// process at a time should open a file. Dropping the last clone of the returned `Db`
    /// closes the store (waiting for it): its data is then all in the file, which can be
    /// copied alone; [`Db::backup`] copies it while it serves.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), dynamongo_runtime::Error> {
    /// let path = std::env::temp_dir().join(format!("dynamongo-doc-{}.db", std::process::id()));
    /// let db = dynamongo_runtime::Db::embedded_at(&path).await?;
    /// assert!(db.endpoint_url().is_some());
    /// # drop(db); let _ = std::fs::remove_file(&path);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "embedded")]
    pub async fn embedded_at(path: impl AsRef<std::path::Path>) -> Result<Db, Error> {
        let path = path.as_ref();
        let text = path.to_str().ok_or_else(|| {
            Error::Config(format!(
                "embedded store: {} is not a UTF-8 path",
                path.display()
            ))
        })?;
        let store = dynoxide::Database::new(text)
            .map_err(|e| Error::Config(format!("embedded store at {}: {e}", path.display())))?;
        Db::serve_embedded(store).await
    }

    /// A consistent copy of the embedded store in the file `path` (SQLite's `VACUUM
    /// INTO`), taken while it serves: open it with [`Db::embedded_at`]. Written writes are
    /// all in it. A `Db` that is not the embedded store is [`Error::Config`]; so is a
    /// `path` that exists.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), dynamongo_runtime::Error> {
    /// let db = dynamongo_runtime::Db::embedded().await?;
    /// let copy = std::env::temp_dir().join(format!("dynamongo-backup-{}.db", std::process::id()));
    /// db.backup(&copy).await?;
    /// let restored = dynamongo_runtime::Db::embedded_at(&copy).await?;
    /// # drop(restored); let _ = std::fs::remove_file(&copy);
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "embedded")]
    pub async fn backup(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        let path = path.as_ref();
        let guard = self._embedded.as_ref().ok_or_else(|| {
            Error::Config("backup: this Db is not the embedded store".to_string())
        })?;
        if path.exists() {
            return Err(Error::Config(format!(
                "backup: {} exists; a backup is written to a new file",
                path.display()
            )));
        }
        let text = path
            .to_str()
            .ok_or_else(|| {
                Error::Config(format!("backup: {} is not a UTF-8 path", path.display()))
            })?
            .to_string();
        let store = guard.store.clone();
        tokio::task::spawn_blocking(move || store.vacuum_into(&text))
            .await
            .map_err(|e| Error::Config(format!("backup: {e}")))?
            .map_err(|e| Error::Config(format!("backup to {}: {e}", path.display())))
    }

    #[cfg(feature = "embedded")]
    async fn serve_embedded(store: dynoxide::Database) -> Result<Db, Error> {
        let config = |e: &dyn fmt::Display| Error::Config(format!("embedded store: {e}"));
        // The store serves from a thread and runtime of its own, so a caller that blocks
        // its runtime (a current-thread test waiting on a subprocess that uses the store)
        // never stalls it.
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let served = store.clone();
        let thread = std::thread::Builder::new()
            .name("dynamongo-embedded".into())
            .spawn(move || serve_embedded(served, addr_tx, stop_rx))
            .map_err(|e| config(&e))?;
        let addr = addr_rx
            .await
            .map_err(|_| config(&"the store's thread stopped before it listened"))??;
        let mut db = Db::builder()
            .endpoint_url(format!("http://{addr}"))
            .region("us-east-1")
            .credentials("dynamongo-embedded", "dynamongo-embedded")
            .build()
            .await?;
        db._embedded = Some(Arc::new(EmbeddedGuard {
            shutdown: Some(stop_tx),
            thread: Some(thread),
            store,
        }));
        Ok(db)
    }
}

/// The embedded store's thread: its own runtime, listening on 127.0.0.1 until told to stop.
/// A current-thread runtime: on two cores a multi-thread one cost single calls ~40 % of
/// their throughput (`bench --ops`), the store's work being one SQLite database anyway.
#[cfg(feature = "embedded")]
fn serve_embedded(
    store: dynoxide::Database,
    addr_tx: tokio::sync::oneshot::Sender<Result<std::net::SocketAddr, Error>>,
    stop_rx: tokio::sync::oneshot::Receiver<()>,
) {
    // The store logs every client error it answers (each expected 404 or failed
    // condition) as a warning; on its own thread it is quiet unless asked for with
    // DYNAMONGO_EMBEDDED_LOG=1 (dynamongo's own events say what failed, in its spans).
    let _quiet = (std::env::var_os("DYNAMONGO_EMBEDDED_LOG").is_none())
        .then(|| tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            let _ = addr_tx.send(Err(Error::Config(format!("embedded store: {e}"))));
            return;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(l) => l,
            Err(e) => {
                let message = format!("embedded store: cannot listen on 127.0.0.1: {e}");
                let _ = addr_tx.send(Err(Error::Config(message)));
                return;
            }
        };
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Config(format!("embedded store: {e}")));
        let _ = addr_tx.send(addr);
        let shutdown = async {
            let _ = stop_rx.await;
        };
        if let Err(e) = dynoxide::server::serve_with_shutdown(listener, store, shutdown).await {
            tracing::error!("embedded store stopped: {e}");
        }
    });
}

/// Builds a [`Db`]; anything not set comes from the environment.
///
/// ```
/// # async fn demo() -> dynamongo_runtime::Result<()> {
/// let db = dynamongo_runtime::Db::builder()
///     .region("us-east-2")
///     .table_prefix("test-")
///     .endpoint_url("http://127.0.0.1:8000")
///     .credentials("key id", "secret")
///     .build()
///     .await?;
/// assert_eq!(db.table_name("users"), "test-users");
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct DbBuilder {
    region: Option<String>,
    prefix: Option<String>,
    endpoint: Option<String>,
    credentials: Option<(String, String)>,
    cursor_key: Option<Vec<u8>>,
    previous_cursor_keys: Vec<Vec<u8>>,
    retry: Option<crate::retry::RetryPolicy>,
    connect_timeout: Option<std::time::Duration>,
    scans: Scans,
    #[cfg(feature = "encryption")]
    encryption: Option<crate::encryption::Encryption>,
}

impl fmt::Debug for DbBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbBuilder")
            .field("region", &self.region)
            .field("table_prefix", &self.prefix)
            .field("endpoint_url", &self.endpoint)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl DbBuilder {
    /// The AWS region (default: `AWS_REGION_NAME`, then the aws-config chain, then `us-east-2`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A prefix for every table name (default: `AWS_TABLE_PREFIX`, else none).
    pub fn table_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// A custom endpoint (a DynamoDB-compatible service, or a local store).
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Static credentials (default: the environment and the aws-config chain).
    pub fn credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        self.credentials = Some((access_key_id.into(), secret_access_key.into()));
        self
    }

    /// The secret page cursors are signed with (HMAC-SHA256), at least 16 bytes; default:
    /// `DYNAMONGO_CURSOR_KEY`, else a random key per `Db` (cursors then do not survive a
    /// restart and are refused by another instance). Every instance serving one API needs
    /// the same key.
    ///
    /// ```
    /// # async fn demo() -> dynamongo_runtime::Result<()> {
    /// let db = dynamongo_runtime::Db::builder()
    ///     .cursor_key(std::env::var("API_CURSOR_SECRET").unwrap_or_default())
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn cursor_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.cursor_key = Some(key.as_ref().to_vec());
        self
    }

    /// Older cursor keys, still accepted (not used to sign), while clients holding cursors
    /// signed with them finish; default: `DYNAMONGO_CURSOR_PREVIOUS_KEYS`, comma-separated.
    pub fn previous_cursor_keys<K: AsRef<[u8]>>(
        mut self,
        keys: impl IntoIterator<Item = K>,
    ) -> Self {
        self.previous_cursor_keys = keys.into_iter().map(|k| k.as_ref().to_vec()).collect();
        self
    }

    /// How every call retries, and its timeouts (default: [`RetryPolicy::default`]). This
    /// is the only retry layer: the SDK's own retries are turned off, so that
    /// `max_attempts` bounds the requests of each call.
    ///
    /// ```
    /// # async fn demo() -> dynamongo_runtime::Result<()> {
    /// use std::time::Duration;
    /// use dynamongo_runtime::config::RetryPolicy;
    /// let db = dynamongo_runtime::Db::builder()
    ///     .retry(RetryPolicy {
    ///         max_attempts: 4,
    ///         attempt_timeout: Some(Duration::from_secs(1)),
    ///         operation_timeout: Some(Duration::from_secs(5)),
    ///         ..Default::default()
    ///     })
    ///     .connect_timeout(Duration::from_millis(500))
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// [`RetryPolicy::default`]: crate::config::RetryPolicy::default
    pub fn retry(mut self, policy: crate::retry::RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// What calls that would Scan do: [`Scans::Allow`] (default), [`Scans::Warn`] or
    /// [`Scans::Refuse`]. Applies to every call that would Scan: `get_many` awaited,
    /// streamed or paged, `count()`, and the read of `delete_many`.
    ///
    /// ```
    /// # async fn demo() -> dynamongo_runtime::Result<()> {
    /// use dynamongo_runtime::config::Scans;
    /// let db = dynamongo_runtime::Db::builder().scans(Scans::Warn).build().await?;
    /// # Ok(()) }
    /// ```
    pub fn scans(mut self, scans: Scans) -> Self {
        self.scans = scans;
        self
    }

    /// Client-side encryption with `keyring` of the models given to
    /// [`encrypted`](Self::encrypted) (feature `encryption`). Without it, encrypted models
    /// use the key in `DYNAMONGO_ENCRYPTION_KEY`.
    ///
    /// ```no_run
    /// # async fn demo() -> dynamongo_runtime::Result<()> {
    /// use dynamongo_runtime::encryption::Keyring;
    /// # use dynamongo_runtime::codegen::example::user::User as Patient;
    /// let db = dynamongo_runtime::Db::builder()
    ///     .encryption(Keyring::kms("arn:aws:kms:us-east-2:111122223333:key/0000"))
    ///     .encrypted::<Patient>()
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "encryption")]
    pub fn encryption(mut self, keyring: crate::encryption::Keyring) -> Self {
        self.encryption
            .get_or_insert_with(crate::encryption::Encryption::unkeyed)
            .set_keyring(keyring);
        self
    }

    /// Encrypts model `M`'s table (its `"encrypt": true` fields; every entity of a
    /// single-table design that shares it): see [`encryption`](Self::encryption).
    #[cfg(feature = "encryption")]
    pub fn encrypted<M: crate::Model>(mut self) -> Self {
        let e = self
            .encryption
            .take()
            .unwrap_or_else(crate::encryption::Encryption::unkeyed);
        self.encryption = Some(e.model::<M>());
        self
    }

    /// Model `M`'s table is moving from plaintext to encrypted items: a
    /// [`Migration`](crate::encryption::Migration) step (which has an example).
    #[cfg(feature = "encryption")]
    pub fn migrating<M: crate::Model>(mut self, step: crate::encryption::Migration) -> Self {
        let e = self
            .encryption
            .take()
            .unwrap_or_else(crate::encryption::Encryption::unkeyed);
        self.encryption = Some(e.migrating::<M>(step));
        self
    }

    /// The longest a new connection may take to open (default: the SDK's, 3.1 s).
    pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Loads the configuration and builds the client.
    pub async fn build(self) -> Result<Db, Error> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        let region = self.region.or_else(|| env("AWS_REGION_NAME"));
        let region_set = region.is_some();
        if let Some(r) = region {
            loader = loader.region(aws_config::Region::new(r));
        }
        if let Some((id, secret)) = self.credentials {
            loader = loader.credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                id,
                secret,
                None,
                None,
                "dynamongo",
            ));
        }
        if let Some(url) = &self.endpoint {
            loader = loader.endpoint_url(url.clone());
        }
        // One retry layer: dynamongo's policy, which bounds the requests of every call.
        loader = loader.retry_config(aws_config::retry::RetryConfig::disabled());
        if let Some(t) = self.connect_timeout {
            loader = loader.timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .connect_timeout(t)
                    .build(),
            );
        }
        let mut config = loader.load().await;
        if !region_set && config.region().is_none() {
            config = config
                .into_builder()
                .region(aws_config::Region::new("us-east-2"))
                .build();
        }
        let cursor_key = self
            .cursor_key
            .or_else(|| env("DYNAMONGO_CURSOR_KEY").map(String::into_bytes));
        let mut previous = self.previous_cursor_keys;
        if previous.is_empty() {
            if let Some(list) = env("DYNAMONGO_CURSOR_PREVIOUS_KEYS") {
                previous = list
                    .split(',')
                    .filter(|k| !k.is_empty())
                    .map(|k| k.as_bytes().to_vec())
                    .collect();
            }
        }
        let cursors = match cursor_key {
            Some(key) => CursorKeys::new(key, previous)?,
            None if previous.is_empty() => CursorKeys::random(),
            None => {
                return Err(Error::Config(
                    "previous cursor keys were given without a current one \
                     (DbBuilder::cursor_key or DYNAMONGO_CURSOR_KEY)"
                        .to_string(),
                ))
            }
        };
        let endpoint = self
            .endpoint
            .or_else(|| env("AWS_ENDPOINT_URL_DYNAMODB"))
            .or_else(|| env("AWS_ENDPOINT_URL"));
        let db = Db {
            client: Client::new(&config),
            prefix: Arc::from(
                self.prefix
                    .or_else(|| env("AWS_TABLE_PREFIX"))
                    .unwrap_or_default(),
            ),
            endpoint: endpoint.map(Arc::from),
            retry: self.retry.unwrap_or_default(),
            cursors: Arc::new(cursors),
            quota: Arc::default(),
            scans: self.scans,
            meter: None,
            crypto: None,
            _embedded: None,
        };
        #[cfg(feature = "encryption")]
        if let Some(encryption) = self.encryption {
            return db.with_encryption(encryption).await;
        }
        Ok(db)
    }
}
