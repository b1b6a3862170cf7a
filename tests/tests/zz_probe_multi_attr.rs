use aws_sdk_dynamodb::types::*;
use dynamongo_runtime::Db;

#[tokio::test]
async fn probe() {
    let db = Db::embedded().await.unwrap();
    let ks = |n: &str, t: KeyType| KeySchemaElement::builder().attribute_name(n).key_type(t).build().unwrap();
    let ad = |n: &str| AttributeDefinition::builder().attribute_name(n).attribute_type(ScalarAttributeType::S).build().unwrap();
    let gsi = GlobalSecondaryIndex::builder()
        .index_name("multi")
        .key_schema(ks("a", KeyType::Hash))
        .key_schema(ks("b", KeyType::Hash))
        .key_schema(ks("c", KeyType::Range))
        .key_schema(ks("d", KeyType::Range))
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .unwrap();
    let r = db.client().create_table().table_name("t")
        .key_schema(ks("id", KeyType::Hash))
        .attribute_definitions(ad("id")).attribute_definitions(ad("a")).attribute_definitions(ad("b")).attribute_definitions(ad("c")).attribute_definitions(ad("d"))
        .billing_mode(BillingMode::PayPerRequest)
        .global_secondary_indexes(gsi)
        .send().await;
    println!("PROBE create: {r:?}");
    if r.is_ok() {
        let d = db.client().describe_table().table_name("t").send().await;
        println!("PROBE describe: {:?}", d.map(|d| d.table.unwrap().global_secondary_indexes));
    }
}
