//! The module that `dynamongo-codegen` generates from the table file of the single-table example (`spec/app.json`: workspaces, members and notes in one table, a collection), kept here for the
//! runtime's documentation examples and the planner's tests. The test
//! `runtime_examples_are_generated_code` (in `tests/tests/snapshots.rs`) checks that it is
//! exactly the generator's output.

use crate::codegen as dm;

/// The table's name, without the prefix.
pub const TABLE: &str = "app";

/// The indexes of table `app` (every attribute projected), shared by its entities.
pub const INDEXES: &[dm::IndexDef] = &[
    dm::IndexDef::global("gsi1", &[dm::KeyAttr::new("gsi1pk", dm::ScalarType::S)])
        .range(&[dm::KeyAttr::new("gsi1sk", dm::ScalarType::S)]),
];
/// Creates table `app` with its indexes, its TTL, its stream and waits until it is active (as `create_table` on any of its entities: [`Member`](super::member::Member), [`WorkspaceNote`](super::workspace_note::WorkspaceNote), [`Workspace`](super::workspace::Workspace)).
pub fn create_table(
    db: &dm::Db,
) -> dm::CreateTable<'_, super::workspace_note::WorkspaceNote> {
    <super::workspace_note::WorkspaceNote as dm::ModelExt>::create_table(db)
}

/// A workspace with its members and notes: one Query.
///
/// An item of collection `workspace`: [`Workspace`](super::workspace::Workspace), [`Member`](super::member::Member), [`WorkspaceNote`](super::workspace_note::WorkspaceNote); `Unknown` for an item of the partition whose entity this code does not know (or that has no `entity` attribute). Items are boxed, so the enum stays small whatever its entities hold.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkspaceItem {
    /// An item of entity `workspace`.
    Workspace(::std::boxed::Box<super::workspace::Workspace>),
    /// An item of entity `member`.
    Member(::std::boxed::Box<super::member::Member>),
    /// An item of entity `note`.
    WorkspaceNote(::std::boxed::Box<super::workspace_note::WorkspaceNote>),
    /// An item of the partition of an entity this code does not know, as stored.
    Unknown(dm::Item),
}

impl dm::Member for WorkspaceItem {
    const ITEM_BYTES: dm::ItemBytes = dm::ItemBytes::new(
        104,
        ::core::option::Option::None,
    );

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        match dm::entity_of(item, "entity") {
            ::core::option::Option::Some("workspace") => {
                <super::workspace::Workspace as dm::Document>::from_item(item)
                    .map(::std::boxed::Box::new)
                    .map(Self::Workspace)
            }
            ::core::option::Option::Some("member") => {
                <super::member::Member as dm::Document>::from_item(item)
                    .map(::std::boxed::Box::new)
                    .map(Self::Member)
            }
            ::core::option::Option::Some("note") => {
                <super::workspace_note::WorkspaceNote as dm::Document>::from_item(item)
                    .map(::std::boxed::Box::new)
                    .map(Self::WorkspaceNote)
            }
            _ => {
                ::core::result::Result::Ok(
                    Self::Unknown(::core::clone::Clone::clone(item)),
                )
            }
        }
    }
}

impl dm::Image for WorkspaceItem {
    fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        <Self as dm::Member>::from_item(item)
    }
}

impl WorkspaceItem {
    /// The change a stream record of table `app` describes, as items of this collection.
    pub fn change(
        record: &dm::StreamEventRecord,
    ) -> ::core::result::Result<dm::StreamEvent<Self>, dm::Error> {
        dm::decode_change(record, dm::StreamView::NewAndOldImages, "app")
    }
}

/// The partition template of collection `workspace`.
const WORKSPACE_PARTITION: dm::Template = dm::Template {
    attr: "pk",
    parts: &[dm::Part::Lit("ws#"), dm::Part::Field("workspace", dm::Format::Text)],
};

/// The items of collection `workspace` grouped by entity: one list per entity, the items of entities this code does not know, and a page's cursor — what an API answers (`WorkspaceGroups::from(page)`, or `.collect()` on items).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkspaceGroups {
    /// The items of entity `workspace`, in sort-key order.
    pub workspace: ::std::vec::Vec<super::workspace::Workspace>,
    /// The items of entity `member`, in sort-key order.
    pub member: ::std::vec::Vec<super::member::Member>,
    /// The items of entity `note`, in sort-key order.
    pub workspace_note: ::std::vec::Vec<super::workspace_note::WorkspaceNote>,
    /// Items of entities this code does not know, as stored.
    pub unknown: ::std::vec::Vec<dm::Item>,
    /// Where the next page starts, for groups made from a page that has one.
    pub cursor: ::core::option::Option<::std::string::String>,
}

impl ::core::iter::FromIterator<WorkspaceItem> for WorkspaceGroups {
    fn from_iter<I: ::core::iter::IntoIterator<Item = WorkspaceItem>>(items: I) -> Self {
        let mut groups = Self::default();
        for item in items {
            match item {
                WorkspaceItem::Workspace(x) => groups.workspace.push(*x),
                WorkspaceItem::Member(x) => groups.member.push(*x),
                WorkspaceItem::WorkspaceNote(x) => groups.workspace_note.push(*x),
                WorkspaceItem::Unknown(x) => groups.unknown.push(x),
            }
        }
        groups
    }
}

impl ::core::convert::From<dm::Page<WorkspaceItem>> for WorkspaceGroups {
    fn from(page: dm::Page<WorkspaceItem>) -> Self {
        let mut groups: Self = page.items.into_iter().collect();
        groups.cursor = page.cursor;
        groups
    }
}

/// Reads collection `workspace`: every item of one partition of table `app` (`pk` = `ws#{workspace}`), of every entity, in sort-key order; one Query a page. Await it for a `Vec`, or use `.stream()`, `.page(n)` / `.after(cursor)`, `.descending()`, `.limit(n)`, `.explain()`.
pub fn workspace(
    db: &dm::Db,
    partition: impl ::core::convert::Into<::std::string::String>,
) -> dm::Collection<'_, super::workspace_note::WorkspaceNote, WorkspaceItem> {
    dm::Collection::new(
        db,
        "workspace",
        ::core::option::Option::None,
        &WORKSPACE_PARTITION,
        ::core::option::Option::None,
        dm::Item::from([
            dm::part::<::std::string::String>("workspace", &partition.into()),
        ]),
    )
}
