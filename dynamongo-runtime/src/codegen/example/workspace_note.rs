//! The module that `dynamongo-codegen` generates from an entity of the single-table example (`spec/app_note.json`), kept here for the
//! runtime's documentation examples and the planner's tests. The test
//! `runtime_examples_are_generated_code` (in `tests/tests/snapshots.rs`) checks that it is
//! exactly the generator's output.

use crate::codegen as dm;

/// A note in a workspace, in time order; by author through gsi1 (only notes with an author are in it).
///
/// Capacity (from the spec): a stored item is 228 bytes or more (unbounded).
/// Saving a new one costs 1 or more write units (table 1 or more, `gsi1` 0 or more).
/// Getting one costs 1 or more read units strongly consistent, 0.5 or more eventually.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceNote {
    /// `workspace`: string, required
    pub workspace: ::std::string::String,
    /// `id`: uuid, required
    pub id: dm::uuid::Uuid,
    /// `created_at`: datetime, required
    pub created_at: dm::chrono::DateTime<dm::chrono::Utc>,
    /// `author`: email
    pub author: ::core::option::Option<::std::string::String>,
    /// `title`: string, required
    pub title: ::std::string::String,
    /// `body`: string
    pub body: ::core::option::Option<::std::string::String>,
    /// `expires_at`: ttl
    pub expires_at: ::core::option::Option<dm::chrono::DateTime<dm::chrono::Utc>>,
}

impl WorkspaceNote {
    const WORKSPACE: dm::Attr = dm::Attr::new("workspace")
        .rules(dm::Rules::new().max_length(64).required());
    const ID: dm::Attr = dm::Attr::new("id");
    const CREATED_AT: dm::Attr = dm::Attr::new("created_at");
    const AUTHOR: dm::Attr = dm::Attr::new("author").rules(dm::Rules::new().email());
    const TITLE: dm::Attr = dm::Attr::new("title")
        .rules(dm::Rules::new().max_length(200).required());
    const BODY: dm::Attr = dm::Attr::new("body");
    const EXPIRES_AT: dm::Attr = dm::Attr::new("expires_at");

    /// A `WorkspaceNote` with the given required fields and every other field at its default.
    pub fn new(
        workspace: impl ::core::convert::Into<::std::string::String>,
        title: impl ::core::convert::Into<::std::string::String>,
    ) -> Self {
        Self {
            workspace: workspace.into(),
            id: dm::uuid4(),
            created_at: dm::now(),
            author: ::core::option::Option::None,
            title: title.into(),
            body: ::core::option::Option::None,
            expires_at: ::core::option::Option::None,
        }
    }
}

impl dm::Document for WorkspaceNote {
    const FIELDS: usize = 7;

    fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
        visitor.field(&Self::WORKSPACE, &self.workspace);
        visitor.field(&Self::ID, &self.id);
        visitor.field(&Self::CREATED_AT, &self.created_at);
        visitor.field(&Self::AUTHOR, &self.author);
        visitor.field(&Self::TITLE, &self.title);
        visitor.field(&Self::BODY, &self.body);
        visitor.field(&Self::EXPIRES_AT, &dm::epoch(&self.expires_at));
    }

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            workspace: dm::get(item, &Self::WORKSPACE)?,
            id: dm::get_or(item, &Self::ID, dm::uuid4)?,
            created_at: dm::get_or(item, &Self::CREATED_AT, dm::now)?,
            author: dm::get(item, &Self::AUTHOR)?,
            title: dm::get(item, &Self::TITLE)?,
            body: dm::get(item, &Self::BODY)?,
            expires_at: dm::get_epoch(item, &Self::EXPIRES_AT)?,
        })
    }

    fn read_json(json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
        let workspace = json.field(&Self::WORKSPACE);
        let id = json.or(&Self::ID, dm::uuid4);
        let created_at = json.or(&Self::CREATED_AT, dm::now);
        let author = json.field(&Self::AUTHOR);
        let title = json.field(&Self::TITLE);
        let body = json.field(&Self::BODY);
        let expires_at = json.epoch(&Self::EXPIRES_AT);
        ::core::option::Option::Some(Self {
            workspace: workspace?,
            id: id?,
            created_at: created_at?,
            author: author?,
            title: title?,
            body: body?,
            expires_at: expires_at?,
        })
    }
}

impl dm::Model for WorkspaceNote {
    type Key = WorkspaceNoteKey;

    const TABLE: &'static str = "app";
    const HASH_KEY: dm::KeyAttr = dm::KeyAttr::new("pk", dm::ScalarType::S);
    const RANGE_KEY: ::core::option::Option<dm::KeyAttr> = ::core::option::Option::Some(
        dm::KeyAttr::new("sk", dm::ScalarType::S),
    );
    const THROUGHPUT: dm::Throughput = dm::Throughput::OnDemand;
    const INDEXES: &'static [dm::IndexDef] = super::app::INDEXES;
    const ENTITY: ::core::option::Option<&'static dm::Entity> = ::core::option::Option::Some(
        &KEY_TEMPLATES,
    );
    const TTL: ::core::option::Option<&'static str> = ::core::option::Option::Some(
        Self::EXPIRES_AT.name,
    );
    const STREAM: ::core::option::Option<dm::StreamView> = ::core::option::Option::Some(
        dm::StreamView::NewAndOldImages,
    );
    const ITEM_BYTES: dm::ItemBytes = dm::ItemBytes::new(
        228,
        ::core::option::Option::None,
    );
    const INDEX_BYTES: &'static [(&'static str, dm::ItemBytes)] = &[
        ("gsi1", dm::ItemBytes::new(0, ::core::option::Option::None)),
    ];
    fn key(&self) -> WorkspaceNoteKey {
        WorkspaceNoteKey {
            workspace: self.workspace.clone(),
            created_at: self.created_at,
            id: self.id,
        }
    }

    fn json_updates(json: &mut dm::JsonUpdates<'_, Self>) {
        json.key(&workspace());
        json.key(&id());
        json.key(&created_at());
        json.set(&author());
        json.set(&title());
        json.set(&body());
        json.set(&expires_at());
    }
}

/// The primary key of [`WorkspaceNote`]: `workspace` and `created_at` and `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceNoteKey {
    /// `workspace` (string).
    pub workspace: ::std::string::String,
    /// `created_at` (datetime).
    pub created_at: dm::chrono::DateTime<dm::chrono::Utc>,
    /// `id` (uuid).
    pub id: dm::uuid::Uuid,
}

impl dm::ModelKey for WorkspaceNoteKey {
    fn to_key_item(&self) -> dm::Item {
        dm::Item::from([
            dm::attr(&WorkspaceNote::WORKSPACE, &self.workspace),
            dm::attr(&WorkspaceNote::CREATED_AT, &self.created_at),
            dm::attr(&WorkspaceNote::ID, &self.id),
        ])
    }

    fn from_key_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        let item = dm::key_fields(&KEY_TEMPLATES, item)?;
        ::core::result::Result::Ok(Self {
            workspace: dm::get(&item, &WorkspaceNote::WORKSPACE)?,
            created_at: dm::get(&item, &WorkspaceNote::CREATED_AT)?,
            id: dm::get(&item, &WorkspaceNote::ID)?,
        })
    }
}

impl dm::Strategy<WorkspaceNote> for WorkspaceNoteKey {
    fn into_target(self) -> dm::Target<WorkspaceNote> {
        dm::Target::Key(self)
    }
}

impl ::core::convert::From<
    (::std::string::String, dm::chrono::DateTime<dm::chrono::Utc>, dm::uuid::Uuid),
> for WorkspaceNoteKey {
    fn from(
        (
            workspace,
            created_at,
            id,
        ): (::std::string::String, dm::chrono::DateTime<dm::chrono::Utc>, dm::uuid::Uuid),
    ) -> Self {
        Self { workspace, created_at, id }
    }
}

impl dm::Strategy<WorkspaceNote>
for (::std::string::String, dm::chrono::DateTime<dm::chrono::Utc>, dm::uuid::Uuid) {
    fn into_target(self) -> dm::Target<WorkspaceNote> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<(&str, dm::chrono::DateTime<dm::chrono::Utc>, dm::uuid::Uuid)>
for WorkspaceNoteKey {
    fn from(
        (
            workspace,
            created_at,
            id,
        ): (&str, dm::chrono::DateTime<dm::chrono::Utc>, dm::uuid::Uuid),
    ) -> Self {
        Self {
            workspace: workspace.into(),
            created_at,
            id,
        }
    }
}

impl dm::Strategy<WorkspaceNote>
for (&str, dm::chrono::DateTime<dm::chrono::Utc>, dm::uuid::Uuid) {
    fn into_target(self) -> dm::Target<WorkspaceNote> {
        dm::Target::Key(self.into())
    }
}

/// The `workspace` field (string): conditions and updates.
pub fn workspace() -> dm::Field<WorkspaceNote, ::std::string::String, dm::ReadOnly> {
    dm::Field::of(&WorkspaceNote::WORKSPACE)
}

/// The `id` field (uuid): conditions and updates.
pub fn id() -> dm::Field<WorkspaceNote, dm::uuid::Uuid, dm::ReadOnly> {
    dm::Field::of(&WorkspaceNote::ID)
}

/// The `created_at` field (datetime): conditions and updates.
pub fn created_at() -> dm::Field<
    WorkspaceNote,
    dm::chrono::DateTime<dm::chrono::Utc>,
    dm::ReadOnly,
> {
    dm::Field::of(&WorkspaceNote::CREATED_AT)
}

/// The `author` field (email): conditions and updates.
pub fn author() -> dm::Field<WorkspaceNote, ::std::string::String, dm::Optional> {
    dm::Field::of(&WorkspaceNote::AUTHOR)
}

/// The `title` field (string): conditions and updates.
pub fn title() -> dm::Field<WorkspaceNote, ::std::string::String> {
    dm::Field::of(&WorkspaceNote::TITLE)
}

/// The `body` field (string): conditions and updates.
pub fn body() -> dm::Field<WorkspaceNote, ::std::string::String, dm::Optional> {
    dm::Field::of(&WorkspaceNote::BODY)
}

/// The `expires_at` field (ttl): conditions and updates.
pub fn expires_at() -> dm::Field<WorkspaceNote, dm::EpochSeconds, dm::Optional> {
    dm::Field::of(&WorkspaceNote::EXPIRES_AT)
}

/// The keys of [`WorkspaceNote`], entity `note` of table `app`: `pk` = `ws#{workspace}`, `sk` = `note#{created_at}#{id}`; index `gsi1`: `gsi1pk` = `author#{author}`, `gsi1sk` = `note#{created_at}`.
const KEY_TEMPLATES: dm::Entity = dm::Entity {
    name: "note",
    attribute: "entity",
    hash: dm::Template {
        attr: "pk",
        parts: &[
            dm::Part::Lit("ws#"),
            dm::Part::Field(WorkspaceNote::WORKSPACE.name, dm::Format::Text),
        ],
    },
    range: ::core::option::Option::Some(dm::Template {
        attr: "sk",
        parts: &[
            dm::Part::Lit("note#"),
            dm::Part::Field(WorkspaceNote::CREATED_AT.name, dm::Format::Fixed(31)),
            dm::Part::Lit("#"),
            dm::Part::Field(WorkspaceNote::ID.name, dm::Format::Fixed(36)),
        ],
    }),
    indexes: &[
        dm::IndexKeys {
            index: "gsi1",
            hash: dm::Template {
                attr: "gsi1pk",
                parts: &[
                    dm::Part::Lit("author#"),
                    dm::Part::Field(WorkspaceNote::AUTHOR.name, dm::Format::Text),
                ],
            },
            range: ::core::option::Option::Some(dm::Template {
                attr: "gsi1sk",
                parts: &[
                    dm::Part::Lit("note#"),
                    dm::Part::Field(
                        WorkspaceNote::CREATED_AT.name,
                        dm::Format::Fixed(31),
                    ),
                ],
            }),
        },
    ],
    table_ttl: ::core::option::Option::Some("expires_at"),
};

///A change to a [`WorkspaceNote`] as its table's stream reports it (NEW_AND_OLD_IMAGES): the item before and after the change.
pub type WorkspaceNoteChange = dm::StreamEvent<WorkspaceNote, WorkspaceNote>;

impl dm::Streamed for WorkspaceNote {
    type New = WorkspaceNote;
    type Old = WorkspaceNote;
}

impl dm::Image for WorkspaceNote {
    fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        <Self as dm::Document>::from_item(item)
    }
}

impl dm::Image for WorkspaceNoteKey {
    fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        <Self as dm::ModelKey>::from_key_item(item)
    }
}
