//! `Db::from_env` with the seed's variables (`AWS_REGION_NAME`, `AWS_TABLE_PREFIX`) and
//! `AWS_ENDPOINT_URL` pointed at the embedded store, and without credentials. One test,
//! since the environment is the process's: the steps run in order.

use dynamongo_runtime::prelude::*;
use dynamongo_tests::models::user::User;

const CLEARED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_env_reads_the_seed_variables_and_names_missing_credentials() {
    let store = Db::embedded().await.unwrap();
    let endpoint = store.endpoint_url().unwrap().to_string();
    for k in CLEARED {
        std::env::remove_var(k);
    }
    std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
    std::env::set_var("AWS_REGION_NAME", "eu-west-1");
    std::env::set_var("AWS_TABLE_PREFIX", "envtest-");
    std::env::set_var("AWS_ACCESS_KEY_ID", "from-env");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "from-env-secret");
    // No profile files and no instance metadata: only the variables count.
    std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/dynamongo-config");
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/dynamongo-credentials",
    );
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");

    let db = Db::from_env().await.unwrap();
    assert_eq!(db.table_prefix(), "envtest-");
    assert_eq!(db.endpoint_url(), Some(endpoint.as_str()));
    assert_eq!(
        db.client().config().region().map(|r| r.as_ref()),
        Some("eu-west-1")
    );
    User::create_table(&db).await.unwrap();
    User::save_one(&db, User::new("env@example.com", "Env"))
        .await
        .unwrap();
    // The table has the prefix, on the store the endpoint names.
    let tables = store.client().list_tables().send().await.unwrap();
    assert!(
        tables.table_names().iter().any(|t| t == "envtest-users"),
        "{:?}",
        tables.table_names()
    );
    let read = store
        .client()
        .get_item()
        .table_name("envtest-users")
        .key(
            "email",
            dynamongo_runtime::field::AttributeValue::S("env@example.com".into()),
        )
        .send()
        .await
        .unwrap();
    assert!(read.item().is_some());

    // Without a prefix: none.
    std::env::remove_var("AWS_TABLE_PREFIX");
    assert_eq!(Db::from_env().await.unwrap().table_prefix(), "");

    // Without credentials: building works (nothing is sent), the first call says what
    // to set.
    std::env::remove_var("AWS_ACCESS_KEY_ID");
    std::env::remove_var("AWS_SECRET_ACCESS_KEY");
    let db = Db::from_env().await.unwrap();
    let err = User::get_one(&db, "env@example.com").await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    assert!(
        text.contains("AWS_ACCESS_KEY_ID") && text.contains("AWS_SECRET_ACCESS_KEY"),
        "{text}"
    );
}
