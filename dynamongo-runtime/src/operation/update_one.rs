//! `update_one` and `update_from_json`: UpdateItem on an existing item, returning it as
//! it is afterwards.

use std::future::IntoFuture;

use aws_sdk_dynamodb::types::{ReturnValue, ReturnValuesOnConditionCheckFailure};

use crate::db::Db;
use crate::error::{Error, Violation};
use crate::expr::{Action, AttrPath, Expr, ExprBuilder, Update};
use crate::keys::{self, Single};
use crate::model::{JsonUpdates, Model};
use crate::trace;
use crate::value::Item;
use tracing::Instrument;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{decode, failed_condition, BoxFuture};

/// An update's parts, checked: the actions (with the version bump of a versioned model)
/// and the condition (the item exists, plus the checks and the version of a model value).
pub(crate) struct UpdateParts {
    pub key: Item,
    pub actions: Vec<Action>,
    pub condition: Expr,
}

pub(crate) fn update_parts<M: Model>(
    single: Single,
    updates: Vec<Update<M>>,
) -> Result<UpdateParts, Error> {
    if updates.is_empty() {
        return Err(Error::Validation(vec![Violation::new(
            "",
            "at least one attribute must be updated",
        )]));
    }
    let violations: Vec<Violation> = updates
        .iter()
        .flat_map(|u| u.violations.iter().cloned())
        .collect();
    if !violations.is_empty() {
        return Err(Error::Validation(violations));
    }
    let key_names = keys::key_names::<M>();
    let mut seen = std::collections::HashSet::new();
    for u in &updates {
        let path = u.action.path();
        if path.top_level().is_some_and(|n| key_names.contains(&n)) {
            return Err(Error::Expression(format!(
                "key attribute `{path}` cannot be updated"
            )));
        }
        if M::VERSION.is_some() && path.top_level() == M::VERSION {
            return Err(Error::Expression(format!(
                "version attribute `{path}` is kept by dynamongo: every update adds one to it"
            )));
        }
        if !seen.insert(path.to_string()) {
            return Err(Error::Expression(format!(
                "attribute `{path}` is updated more than once"
            )));
        }
    }
    let mut actions: Vec<Action> = updates.into_iter().map(|u| u.action).collect();
    // A versioned item counts its writes: ADD also gives a version to an item written
    // before the model was versioned.
    actions
        .extend(M::VERSION.map(|v| Action::Add(AttrPath::attr(v), AttributeValue::N("1".into()))));
    // Update only: never create an item that is not there (as dynamongo does).
    let mut condition = Expr::Exists(AttrPath::attr(M::HASH_KEY.name));
    if let Some(extra) = single.write_condition::<M>() {
        condition = Expr::And(Box::new(condition), Box::new(extra));
    }
    Ok(UpdateParts {
        key: single.key,
        actions,
        condition,
    })
}

async fn update_single<M: Model>(
    db: &Db,
    single: Single,
    updates: Vec<Update<M>>,
) -> Result<M, Error> {
    let table = db.table_name(M::TABLE);
    let UpdateParts {
        key,
        actions,
        condition: cond,
    } = update_parts(single, updates)?;
    let mut b = ExprBuilder::default();
    let update_text = b.update(&actions.iter().collect::<Vec<_>>());
    let cond_text = b.condition(&cond);
    let (names, values) = b.into_maps();
    let span = trace::call("UpdateItem", &table);
    let res = db
        .client()
        .update_item()
        .table_name(&table)
        .set_key(Some(key))
        .update_expression(update_text)
        .condition_expression(cond_text)
        .set_expression_attribute_names(names)
        .set_expression_attribute_values(values)
        .return_values(ReturnValue::AllNew)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .return_consumed_capacity(trace::capacity(&span))
        .send()
        .instrument(span.clone())
        .await;
    if let Ok(out) = &res {
        trace::consumed(&span, out.consumed_capacity());
    }
    match res {
        Ok(out) => match out.attributes() {
            Some(item) => decode(db, item),
            None => Err(Error::NotFound { table }),
        },
        Err(e) => Err(match failed_condition(&e) {
            // No item: nothing to update. An item: it failed the checks or the version.
            Some(None) => Error::NotFound { table },
            Some(item) => Error::ConditionalCheckFailed { table, item },
            None => Error::sdk("UpdateItem", e),
        }),
    }
}

/// `User::update_one(&db, strategy, updates)` or `User::update_from_json(&db, json)`: the
/// item as it is after the update.
///
/// ```
/// # use dynamongo_runtime::prelude::*;
/// # use dynamongo_runtime::codegen::example::user::{self, User};
/// # async fn demo(db: &Db) -> dynamongo_runtime::Result<()> {
/// let u = User::update_one(db, "a@b.io", [user::name().set("B")]).await?;
/// let u = User::update_from_json(db, serde_json::json!({"email": "a@b.io", "name": "C"})).await?;
/// # Ok(()) }
/// ```
#[must_use = "nothing is updated until this is awaited"]
pub struct UpdateOne<'a, M: Model> {
    db: &'a Db,
    request: Result<(Single, Vec<Update<M>>), Error>,
}

impl<'a, M: Model> UpdateOne<'a, M> {
    pub(crate) fn new(db: &'a Db, request: Result<(Single, Vec<Update<M>>), Error>) -> Self {
        UpdateOne { db, request }
    }

    pub(crate) fn from_json(db: &'a Db, value: &serde_json::Value) -> Self {
        let mut json = JsonUpdates::new(value);
        M::json_updates(&mut json);
        let request = json
            .finish()
            .and_then(|(target, updates)| Ok((keys::resolve(target)?, updates)));
        UpdateOne { db, request }
    }
}

impl<'a, M: Model> IntoFuture for UpdateOne<'a, M> {
    type Output = Result<M, Error>;
    type IntoFuture = BoxFuture<'a, Self::Output>;
    fn into_future(self) -> Self::IntoFuture {
        let span = trace::operation::<M>("update_one", &self.db.table_name(M::TABLE));
        super::traced(span, async move {
            let (single, updates) = self.request?;
            update_single(self.db, single, updates).await
        })
    }
}
