//! The item type: what DynamoDB stores.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// A DynamoDB item: attribute name → value.
pub type Item = HashMap<String, AttributeValue>;
