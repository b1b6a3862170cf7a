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
    let r = db.client().create_table().table_name("multi-probe")
        .key_schema(ks("id", KeyType::Hash))
        .attribute_definitions(ad("id")).attribute_definitions(ad("a")).attribute_definitions(ad("b")).attribute_definitions(ad("c")).attribute_definitions(ad("d"))
        .billing_mode(BillingMode::PayPerRequest)
        .global_secondary_indexes(gsi)
        .send().await;
    println!("PROBE create: {r:?}");
    if r.is_ok() {
        let d = db.client().describe_table().table_name("multi-probe").send().await;
        println!("PROBE describe ok: {}", d.is_ok());
        use aws_sdk_dynamodb::types::AttributeValue as V;
        let put = db.client().put_item().table_name("multi-probe")
            .item("id", V::S("1".into())).item("a", V::S("a1".into())).item("b", V::S("b1".into()))
            .item("c", V::S("c1".into())).item("d", V::S("d1".into())).send().await;
        println!("PROBE put ok: {}", put.is_ok());
        let q = db.client().query().table_name("multi-probe").index_name("multi")
            .key_condition_expression("#a = :a AND #b = :b AND #c = :c AND #d > :d")
            .expression_attribute_names("#a", "a").expression_attribute_names("#b", "b")
            .expression_attribute_names("#c", "c").expression_attribute_names("#d", "d")
            .expression_attribute_values(":a", V::S("a1".into())).expression_attribute_values(":b", V::S("b1".into()))
            .expression_attribute_values(":c", V::S("c1".into())).expression_attribute_values(":d", V::S("d0".into()))
            .send().await;
        println!("PROBE query: {:?}", q.map(|o| o.count).map_err(|e| format!("{e:?}").chars().take(300).collect::<String>()));
        let q = db.client().query().table_name("multi-probe").index_name("multi")
            .key_condition_expression("#a = :a")
            .expression_attribute_names("#a", "a")
            .expression_attribute_values(":a", V::S("a1".into()))
            .send().await;
        println!("PROBE partial hash query: {:?}", q.map(|o| o.count).map_err(|e| format!("{e:?}").chars().take(300).collect::<String>()));
    }
}
