//! The item type: what DynamoDB stores.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// A DynamoDB item: attribute name → value.
///
/// ```
/// use dynamongo_runtime::field::{AttributeValue, Document, Item};
/// use dynamongo_runtime::codegen::example::user::User;
/// let item: Item = User::new("john@example.com", "John").to_item();
/// assert_eq!(item["email"], AttributeValue::S("john@example.com".into()));
/// ```
pub type Item = HashMap<String, AttributeValue>;
