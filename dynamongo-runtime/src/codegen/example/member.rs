//! The module that `dynamongo-codegen` generates from an entity of the single-table example (`spec/app_member.json`), kept here for the
//! runtime's documentation examples and the planner's tests. The test
//! `runtime_examples_are_generated_code` (in `tests/tests/snapshots.rs`) checks that it is
//! exactly the generator's output.

use crate::codegen as dm;

/// A user's membership of a workspace; also found by user through the overloaded index gsi1.
///
/// Capacity (from the spec): a stored item is 115 bytes or more (unbounded).
/// Saving a new one costs 2 or more write units (table 1 or more, `gsi1` 1 or more).
/// Getting one costs 1 or more read units strongly consistent, 0.5 or more eventually.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// `workspace`: string, required
    pub workspace: ::std::string::String,
    /// `email`: email, required
    pub email: ::std::string::String,
    /// `role`: enum
    pub role: MemberRole,
    /// `joined_at`: datetime
    pub joined_at: dm::chrono::DateTime<dm::chrono::Utc>,
}

impl Member {
    const WORKSPACE: dm::Attr = dm::Attr::new("workspace")
        .rules(dm::Rules::new().max_length(64).required());
    const EMAIL: dm::Attr = dm::Attr::new("email")
        .rules(dm::Rules::new().email().required());
    const ROLE: dm::Attr = dm::Attr::new("role");
    const JOINED_AT: dm::Attr = dm::Attr::new("joined_at");

    /// A `Member` with the given required fields and every other field at its default.
    pub fn new(
        workspace: impl ::core::convert::Into<::std::string::String>,
        email: impl ::core::convert::Into<::std::string::String>,
    ) -> Self {
        Self {
            workspace: workspace.into(),
            email: email.into(),
            role: MemberRole::Viewer,
            joined_at: dm::now(),
        }
    }
}

impl dm::Document for Member {
    const FIELDS: usize = 4;

    fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
        visitor.field(&Self::WORKSPACE, &self.workspace);
        visitor.field(&Self::EMAIL, &self.email);
        visitor.field(&Self::ROLE, &self.role);
        visitor.field(&Self::JOINED_AT, &self.joined_at);
    }

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            workspace: dm::get(item, &Self::WORKSPACE)?,
            email: dm::get(item, &Self::EMAIL)?,
            role: dm::get_or(item, &Self::ROLE, || MemberRole::Viewer)?,
            joined_at: dm::get_or(item, &Self::JOINED_AT, dm::now)?,
        })
    }

    fn read_json(json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
        let workspace = json.field(&Self::WORKSPACE);
        let email = json.field(&Self::EMAIL);
        let role = json.or(&Self::ROLE, || MemberRole::Viewer);
        let joined_at = json.or(&Self::JOINED_AT, dm::now);
        ::core::option::Option::Some(Self {
            workspace: workspace?,
            email: email?,
            role: role?,
            joined_at: joined_at?,
        })
    }
}

impl dm::Model for Member {
    type Key = MemberKey;

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
    const STREAM: ::core::option::Option<dm::StreamView> = ::core::option::Option::Some(
        dm::StreamView::NewAndOldImages,
    );
    const ITEM_BYTES: dm::ItemBytes = dm::ItemBytes::new(
        115,
        ::core::option::Option::None,
    );
    const INDEX_BYTES: &'static [(&'static str, dm::ItemBytes)] = &[
        ("gsi1", dm::ItemBytes::new(115, ::core::option::Option::None)),
    ];
    fn key(&self) -> MemberKey {
        MemberKey {
            workspace: self.workspace.clone(),
            email: self.email.clone(),
        }
    }

    fn json_updates(json: &mut dm::JsonUpdates<'_, Self>) {
        json.key(&workspace());
        json.key(&email());
        json.set(&role());
        json.set(&joined_at());
    }
}

/// The primary key of [`Member`]: `workspace` and `email`.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberKey {
    /// `workspace` (string).
    pub workspace: ::std::string::String,
    /// `email` (email).
    pub email: ::std::string::String,
}

impl dm::ModelKey for MemberKey {
    fn to_key_item(&self) -> dm::Item {
        dm::Item::from([
            dm::attr(&Member::WORKSPACE, &self.workspace),
            dm::attr(&Member::EMAIL, &self.email),
        ])
    }

    fn from_key_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        let item = dm::key_fields(&KEY_TEMPLATES, item)?;
        ::core::result::Result::Ok(Self {
            workspace: dm::get(&item, &Member::WORKSPACE)?,
            email: dm::get(&item, &Member::EMAIL)?,
        })
    }
}

impl dm::Strategy<Member> for MemberKey {
    fn into_target(self) -> dm::Target<Member> {
        dm::Target::Key(self)
    }
}

impl ::core::convert::From<(::std::string::String, ::std::string::String)>
for MemberKey {
    fn from((workspace, email): (::std::string::String, ::std::string::String)) -> Self {
        Self { workspace, email }
    }
}

impl dm::Strategy<Member> for (::std::string::String, ::std::string::String) {
    fn into_target(self) -> dm::Target<Member> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<(::std::string::String, &str)> for MemberKey {
    fn from((workspace, email): (::std::string::String, &str)) -> Self {
        Self {
            workspace,
            email: email.into(),
        }
    }
}

impl dm::Strategy<Member> for (::std::string::String, &str) {
    fn into_target(self) -> dm::Target<Member> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<(&str, ::std::string::String)> for MemberKey {
    fn from((workspace, email): (&str, ::std::string::String)) -> Self {
        Self {
            workspace: workspace.into(),
            email,
        }
    }
}

impl dm::Strategy<Member> for (&str, ::std::string::String) {
    fn into_target(self) -> dm::Target<Member> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<(&str, &str)> for MemberKey {
    fn from((workspace, email): (&str, &str)) -> Self {
        Self {
            workspace: workspace.into(),
            email: email.into(),
        }
    }
}

impl dm::Strategy<Member> for (&str, &str) {
    fn into_target(self) -> dm::Target<Member> {
        dm::Target::Key(self.into())
    }
}

/// The `workspace` field (string): conditions and updates.
pub fn workspace() -> dm::Field<Member, ::std::string::String, dm::ReadOnly> {
    dm::Field::of(&Member::WORKSPACE)
}

/// The `email` field (email): conditions and updates.
pub fn email() -> dm::Field<Member, ::std::string::String, dm::ReadOnly> {
    dm::Field::of(&Member::EMAIL)
}

/// The `role` field (enum): conditions and updates.
pub fn role() -> dm::Field<Member, MemberRole> {
    dm::Field::of(&Member::ROLE)
}

/// The `joined_at` field (datetime): conditions and updates.
pub fn joined_at() -> dm::Field<Member, dm::chrono::DateTime<dm::chrono::Utc>> {
    dm::Field::of(&Member::JOINED_AT)
}

/// The keys of [`Member`], entity `member` of table `app`: `pk` = `ws#{workspace}`, `sk` = `member#{email}`; index `gsi1`: `gsi1pk` = `user#{email}`, `gsi1sk` = `ws#{workspace}`.
const KEY_TEMPLATES: dm::Entity = dm::Entity {
    name: "member",
    attribute: "entity",
    hash: dm::Template {
        attr: "pk",
        parts: &[
            dm::Part::Lit("ws#"),
            dm::Part::Field(Member::WORKSPACE.name, dm::Format::Text),
        ],
    },
    range: ::core::option::Option::Some(dm::Template {
        attr: "sk",
        parts: &[
            dm::Part::Lit("member#"),
            dm::Part::Field(Member::EMAIL.name, dm::Format::Text),
        ],
    }),
    indexes: &[
        dm::IndexKeys {
            index: "gsi1",
            hash: dm::Template {
                attr: "gsi1pk",
                parts: &[
                    dm::Part::Lit("user#"),
                    dm::Part::Field(Member::EMAIL.name, dm::Format::Text),
                ],
            },
            range: ::core::option::Option::Some(dm::Template {
                attr: "gsi1sk",
                parts: &[
                    dm::Part::Lit("ws#"),
                    dm::Part::Field(Member::WORKSPACE.name, dm::Format::Text),
                ],
            }),
        },
    ],
    table_ttl: ::core::option::Option::Some("expires_at"),
};

///A change to a [`Member`] as its table's stream reports it (NEW_AND_OLD_IMAGES): the item before and after the change.
pub type MemberChange = dm::StreamEvent<Member, Member>;

impl dm::Streamed for Member {
    type New = Member;
    type Old = Member;
}

impl dm::Image for Member {
    fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        <Self as dm::Document>::from_item(item)
    }
}

impl dm::Image for MemberKey {
    fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        <Self as dm::ModelKey>::from_key_item(item)
    }
}

/// The values of `MemberRole`, stored as their exact strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberRole {
    /// Stored as `owner`.
    Owner,
    /// Stored as `editor`.
    Editor,
    /// Stored as `viewer`.
    Viewer,
}

impl MemberRole {
    /// Every variant, in spec order.
    pub const ALL: [Self; 3] = [Self::Owner, Self::Editor, Self::Viewer];

    /// Every stored value, in spec order.
    pub const VALUES: [&'static str; 3] = ["owner", "editor", "viewer"];

    /// The stored string.
    pub fn as_str(&self) -> &'static str {
        Self::VALUES[*self as usize]
    }

    /// The variant stored as `s`.
    pub fn parse(s: &str) -> ::core::option::Option<Self> {
        dm::parse_enum(s, &Self::VALUES, &Self::ALL)
    }
}

impl ::core::fmt::Display for MemberRole {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl dm::FieldValue for MemberRole {
    fn to_attr(&self) -> dm::AttributeValue {
        dm::AttributeValue::S(self.as_str().into())
    }

    fn from_attr(
        value: &dm::AttributeValue,
    ) -> ::core::result::Result<Self, dm::DecodeError> {
        dm::enum_from_attr(value, "MemberRole", Self::parse)
    }

    fn to_json(&self) -> dm::serde_json::Value {
        dm::serde_json::Value::String(self.as_str().into())
    }

    fn from_json(
        value: &dm::serde_json::Value,
        path: &str,
        out: &mut ::std::vec::Vec<dm::Violation>,
    ) -> ::core::option::Option<Self> {
        dm::enum_from_json(value, path, out, Self::parse, &Self::VALUES)
    }
}

impl dm::KeyEnum for MemberRole {}
