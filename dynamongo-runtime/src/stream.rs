//! DynamoDB Streams: the records a Lambda receives (the `aws_lambda_events` types),
//! decoded into typed change events of a model whose spec enables a stream.

use aws_lambda_events::event::dynamodb::{EventRecord, StreamRecord};

use crate::error::{DecodeError, Error};
use crate::model::Model;
use crate::value::Item;

pub use crate::model::StreamView;
pub use aws_lambda_events::event::dynamodb::Event as StreamBatch;
pub use aws_lambda_events::event::dynamodb::EventRecord as StreamEventRecord;

/// One change to an item, as a stream reports it: `N` is what the record tells of the
/// item after the change, `O` of the item before it — the model when the view type has
/// that image, else the model's key type.
///
/// ```
/// use dynamongo_runtime::stream::StreamEvent;
/// let e: StreamEvent<&str> = StreamEvent::Modify { old: "before", new: "after" };
/// assert_eq!(e.name(), "MODIFY");
/// assert_eq!(e.after(), Some(&"after"));
/// assert_eq!(e.before(), Some(&"before"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent<N, O = N> {
    /// A new item (`INSERT`).
    Insert(N),
    /// An item changed (`MODIFY`).
    Modify {
        /// Before.
        old: O,
        /// After.
        new: N,
    },
    /// An item deleted (`REMOVE`), by a call or by TTL.
    Remove(O),
}

impl<N, O> StreamEvent<N, O> {
    /// `INSERT`, `MODIFY` or `REMOVE`, as the record names it.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Insert(_) => "INSERT",
            StreamEvent::Modify { .. } => "MODIFY",
            StreamEvent::Remove(_) => "REMOVE",
        }
    }

    /// The item after the change (none for a removal).
    pub fn after(&self) -> Option<&N> {
        match self {
            StreamEvent::Insert(n) | StreamEvent::Modify { new: n, .. } => Some(n),
            StreamEvent::Remove(_) => None,
        }
    }

    /// The item before the change (none for an insertion).
    pub fn before(&self) -> Option<&O> {
        match self {
            StreamEvent::Modify { old, .. } | StreamEvent::Remove(old) => Some(old),
            StreamEvent::Insert(_) => None,
        }
    }
}

/// What a stream record can be decoded into: a model (from an image) or its key type
/// (from the record's keys). Generated for models whose spec has a `stream`.
#[doc(hidden)]
pub trait Image: Sized {
    /// From an image or the keys of a record.
    fn from_image(item: &Item) -> Result<Self, DecodeError>;
}

/// A model whose table has a stream (the spec's `"stream"`): its records decode into
/// [`StreamEvent`]s, with the model where the view type has the image and the key where
/// it does not. Generated; call [`Streamed::change`].
///
/// ```
/// use dynamongo_runtime::stream::{Streamed, StreamEvent};
/// # fn demo<M: Streamed>(event: dynamongo_runtime::stream::StreamBatch) -> dynamongo_runtime::Result<()>
/// # where M::New: std::fmt::Debug, M::Old: std::fmt::Debug {
/// // In a Lambda handler: `event` is the `aws_lambda_events` DynamoDB event.
/// for record in &event.records {
///     match M::change(record)? {
///         StreamEvent::Insert(new) => println!("new: {new:?}"),
///         StreamEvent::Modify { old, new } => println!("{old:?} -> {new:?}"),
///         StreamEvent::Remove(old) => println!("gone: {old:?}"),
///     }
/// }
/// # Ok(()) }
/// ```
pub trait Streamed: Model {
    /// What a record holds of the item after a change.
    type New: Image;
    /// What a record holds of the item before a change.
    type Old: Image;

    /// Decodes one record. A record of another kind, without the image the view type
    /// promises, or whose item does not fit the model is an error naming what is wrong
    /// ([`Error::Decode`] names the attribute).
    fn change(record: &EventRecord) -> Result<StreamEvent<Self::New, Self::Old>, Error> {
        decode_record::<Self>(record)
    }
}

fn decode_record<M: Streamed>(record: &EventRecord) -> Result<StreamEvent<M::New, M::Old>, Error> {
    if crate::encryption::encrypted::<M>() {
        return Err(Error::Config(format!(
            "`{}` is encrypted: its records' images are ciphertext; decode them with the keyring, \
             through the Db: `db.change::<{}>(record).await`",
            crate::trace::short_name::<M>(),
            crate::trace::short_name::<M>()
        )));
    }
    decode_change(record, M::STREAM.unwrap_or(StreamView::KeysOnly), M::TABLE)
}

impl crate::db::Db {
    /// Decodes one Streams record of model `M`'s table, as [`Streamed::change`] does; the
    /// images of an encrypted model are decrypted and verified with this `Db`'s keyring
    /// first (a record whose signature does not verify is [`Error::Decode`]).
    ///
    /// ```
    /// # use dynamongo_runtime::stream::{StreamEvent, StreamEventRecord, Streamed};
    /// # async fn demo<M: Streamed>(db: &dynamongo_runtime::Db, record: &StreamEventRecord) -> dynamongo_runtime::Result<()>
    /// # where M::New: std::fmt::Debug {
    /// if let StreamEvent::Insert(new) = db.change::<M>(record).await? {
    ///     println!("new: {new:?}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn change<M: Streamed>(
        &self,
        record: &EventRecord,
    ) -> Result<StreamEvent<M::New, M::Old>, Error> {
        let view = M::STREAM.unwrap_or(StreamView::KeysOnly);
        if !crate::encryption::encrypted::<M>() {
            return decode_change(record, view, M::TABLE);
        }
        self.check_encrypted::<M>()?;
        let Some((_, installed)) = self.raw() else {
            return decode_record::<M>(record);
        };
        let table = self.table(M::TABLE);
        let mut opened = record.clone();
        for image in [&mut opened.change.new_image, &mut opened.change.old_image] {
            let item: Item = image.clone().into();
            if !item.is_empty() {
                let (plain, _) = installed.open(&table, item).await?;
                *image = plain.into();
            }
        }
        decode_change(&opened, view, M::TABLE)
    }
}

/// A record of a table whose stream has `view`, as a change of `N` / `O` images (a
/// model's, or a collection enum's, which decodes every entity of a single-table design).
#[doc(hidden)]
pub fn decode_change<N: Image, O: Image>(
    record: &EventRecord,
    view: StreamView,
    table: &str,
) -> Result<StreamEvent<N, O>, Error> {
    let table = record
        .event_source_arn
        .as_deref()
        .and_then(|arn| arn.split(":table/").nth(1))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(table)
        .to_string();
    let c = &record.change;
    let new = || side::<N>(c, view.has_new(), Side::New, &table);
    let old = || side::<O>(c, view.has_old(), Side::Old, &table);
    match record.event_name.as_str() {
        "INSERT" => Ok(StreamEvent::Insert(new()?)),
        "MODIFY" => Ok(StreamEvent::Modify {
            old: old()?,
            new: new()?,
        }),
        "REMOVE" => Ok(StreamEvent::Remove(old()?)),
        other => Err(Error::Decode {
            table,
            source: DecodeError::new("INSERT, MODIFY or REMOVE", format!("`{other}`"))
                .at("eventName"),
        }),
    }
}

#[derive(Clone, Copy)]
enum Side {
    New,
    Old,
}

/// One side of a change: its image when the view type has it, else the record's keys.
fn side<T: Image>(c: &StreamRecord, image: bool, which: Side, table: &str) -> Result<T, Error> {
    let (source, name) = match (image, which) {
        (true, Side::New) => (&c.new_image, "NewImage"),
        (true, Side::Old) => (&c.old_image, "OldImage"),
        (false, _) => (&c.keys, "Keys"),
    };
    let decode_error = |source: DecodeError| Error::Decode {
        table: table.to_string(),
        source,
    };
    let item: Item = source.clone().into();
    if item.is_empty() {
        return Err(decode_error(
            DecodeError::new(format!("the record's {name}"), "none").at(name),
        ));
    }
    T::from_image(&item).map_err(decode_error)
}

impl StreamView {
    fn has_new(self) -> bool {
        matches!(self, StreamView::NewImage | StreamView::NewAndOldImages)
    }
    fn has_old(self) -> bool {
        matches!(self, StreamView::OldImage | StreamView::NewAndOldImages)
    }
}
