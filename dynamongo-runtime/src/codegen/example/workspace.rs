//! The module that `dynamongo-codegen` generates from an entity of the single-table example (`spec/app_workspace.json`), kept here for the
//! runtime's documentation examples and the planner's tests. The test
//! `runtime_examples_are_generated_code` (in `tests/tests/snapshots.rs`) checks that it is
//! exactly the generator's output.

use crate::codegen as dm;

/// A workspace: the partition its members and notes live in.
///
/// Capacity (from the spec): a stored item is 104–1429 bytes.
/// Saving a new one costs 1–2 write units.
/// Getting one costs 1 read units strongly consistent, 0.5 eventually.
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    /// `workspace`: string, required
    pub workspace: ::std::string::String,
    /// `name`: string, required
    pub name: ::std::string::String,
    /// `plan`: enum
    pub plan: WorkspacePlan,
    /// `created_at`: datetime
    pub created_at: dm::chrono::DateTime<dm::chrono::Utc>,
    /// `version`: int, required
    pub version: i64,
}

impl Workspace {
    const WORKSPACE: dm::Attr = dm::Attr::new("workspace")
        .rules(dm::Rules::new().max_length(64).required());
    const NAME: dm::Attr = dm::Attr::new("name")
        .rules(dm::Rules::new().max_length(200).required());
    const PLAN: dm::Attr = dm::Attr::new("plan");
    const CREATED_AT: dm::Attr = dm::Attr::new("created_at");
    const VERSION: dm::Attr = dm::Attr::new("version").rules(dm::Rules::new().min(0.0));

    /// A `Workspace` with the given required fields and every other field at its default.
    pub fn new(
        workspace: impl ::core::convert::Into<::std::string::String>,
        name: impl ::core::convert::Into<::std::string::String>,
    ) -> Self {
        Self {
            workspace: workspace.into(),
            name: name.into(),
            plan: WorkspacePlan::Free,
            created_at: dm::now(),
            version: 0,
        }
    }
}

impl dm::Document for Workspace {
    const FIELDS: usize = 5;

    fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
        visitor.field(&Self::WORKSPACE, &self.workspace);
        visitor.field(&Self::NAME, &self.name);
        visitor.field(&Self::PLAN, &self.plan);
        visitor.field(&Self::CREATED_AT, &self.created_at);
        visitor.field(&Self::VERSION, &self.version);
    }

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            workspace: dm::get(item, &Self::WORKSPACE)?,
            name: dm::get(item, &Self::NAME)?,
            plan: dm::get_or(item, &Self::PLAN, || WorkspacePlan::Free)?,
            created_at: dm::get_or(item, &Self::CREATED_AT, dm::now)?,
            version: dm::get_version(item, &Self::VERSION)?,
        })
    }

    fn read_json(json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
        let workspace = json.field(&Self::WORKSPACE);
        let name = json.field(&Self::NAME);
        let plan = json.or(&Self::PLAN, || WorkspacePlan::Free);
        let created_at = json.or(&Self::CREATED_AT, dm::now);
        let version = json.or(&Self::VERSION, || 0);
        ::core::option::Option::Some(Self {
            workspace: workspace?,
            name: name?,
            plan: plan?,
            created_at: created_at?,
            version: version?,
        })
    }
}

impl dm::Model for Workspace {
    type Key = WorkspaceKey;

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
    const VERSION: ::core::option::Option<&'static str> = ::core::option::Option::Some(
        Self::VERSION.name,
    );
    const READ_ONLY: &'static [&'static str] = &[Self::CREATED_AT.name];
    const STREAM: ::core::option::Option<dm::StreamView> = ::core::option::Option::Some(
        dm::StreamView::NewAndOldImages,
    );
    const ITEM_BYTES: dm::ItemBytes = dm::ItemBytes::new(
        104,
        ::core::option::Option::Some(1429),
    );

    fn key(&self) -> WorkspaceKey {
        WorkspaceKey {
            workspace: self.workspace.clone(),
        }
    }

    fn version(&self) -> ::core::option::Option<i64> {
        ::core::option::Option::Some(self.version)
    }

    fn set_version(&mut self, value: i64) {
        self.version = value;
    }

    fn json_updates(json: &mut dm::JsonUpdates<'_, Self>) {
        json.key(&workspace());
        json.set(&name());
        json.set(&plan());
        json.read_only(&created_at());
        json.version(&version());
    }
}

/// The primary key of [`Workspace`]: `workspace`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceKey {
    /// `workspace` (string).
    pub workspace: ::std::string::String,
}

impl dm::ModelKey for WorkspaceKey {
    fn to_key_item(&self) -> dm::Item {
        dm::Item::from([dm::attr(&Workspace::WORKSPACE, &self.workspace)])
    }

    fn from_key_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        let item = dm::key_fields(&KEY_TEMPLATES, item)?;
        ::core::result::Result::Ok(Self {
            workspace: dm::get(&item, &Workspace::WORKSPACE)?,
        })
    }
}

impl dm::Strategy<Workspace> for WorkspaceKey {
    fn into_target(self) -> dm::Target<Workspace> {
        dm::Target::Key(self)
    }
}

impl ::core::convert::From<::std::string::String> for WorkspaceKey {
    fn from(workspace: ::std::string::String) -> Self {
        Self { workspace }
    }
}

impl dm::Strategy<Workspace> for ::std::string::String {
    fn into_target(self) -> dm::Target<Workspace> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<&str> for WorkspaceKey {
    fn from(workspace: &str) -> Self {
        Self {
            workspace: workspace.into(),
        }
    }
}

impl dm::Strategy<Workspace> for &str {
    fn into_target(self) -> dm::Target<Workspace> {
        dm::Target::Key(self.into())
    }
}

/// The `workspace` field (string): conditions and updates.
pub fn workspace() -> dm::Field<Workspace, ::std::string::String, dm::ReadOnly> {
    dm::Field::of(&Workspace::WORKSPACE)
}

/// The `name` field (string): conditions and updates.
pub fn name() -> dm::Field<Workspace, ::std::string::String> {
    dm::Field::of(&Workspace::NAME)
}

/// The `plan` field (enum): conditions and updates.
pub fn plan() -> dm::Field<Workspace, WorkspacePlan> {
    dm::Field::of(&Workspace::PLAN)
}

/// The `created_at` field (datetime): conditions and updates.
pub fn created_at() -> dm::Field<
    Workspace,
    dm::chrono::DateTime<dm::chrono::Utc>,
    dm::ReadOnly,
> {
    dm::Field::of(&Workspace::CREATED_AT)
}

/// The `version` field (int): conditions and updates.
pub fn version() -> dm::Field<Workspace, i64> {
    dm::Field::of(&Workspace::VERSION)
}

/// The keys of [`Workspace`], entity `workspace` of table `app`: `pk` = `ws#{workspace}`, `sk` = `workspace`.
const KEY_TEMPLATES: dm::Entity = dm::Entity {
    name: "workspace",
    attribute: "entity",
    hash: dm::Template {
        attr: "pk",
        parts: &[
            dm::Part::Lit("ws#"),
            dm::Part::Field(Workspace::WORKSPACE.name, dm::Format::Text),
        ],
    },
    range: ::core::option::Option::Some(dm::Template {
        attr: "sk",
        parts: &[dm::Part::Lit("workspace")],
    }),
    indexes: &[],
    table_ttl: ::core::option::Option::Some("expires_at"),
};

///A change to a [`Workspace`] as its table's stream reports it (NEW_AND_OLD_IMAGES): the item before and after the change.
pub type WorkspaceChange = dm::StreamEvent<Workspace, Workspace>;

impl dm::Streamed for Workspace {
    type New = Workspace;
    type Old = Workspace;
}

impl dm::Image for Workspace {
    fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        <Self as dm::Document>::from_item(item)
    }
}

impl dm::Image for WorkspaceKey {
    fn from_image(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        <Self as dm::ModelKey>::from_key_item(item)
    }
}

/// The values of `WorkspacePlan`, stored as their exact strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkspacePlan {
    /// Stored as `free`.
    Free,
    /// Stored as `team`.
    Team,
    /// Stored as `enterprise`.
    Enterprise,
}

impl WorkspacePlan {
    /// Every variant, in spec order.
    pub const ALL: [Self; 3] = [Self::Free, Self::Team, Self::Enterprise];

    /// Every stored value, in spec order.
    pub const VALUES: [&'static str; 3] = ["free", "team", "enterprise"];

    /// The stored string.
    pub fn as_str(&self) -> &'static str {
        Self::VALUES[*self as usize]
    }

    /// The variant stored as `s`.
    pub fn parse(s: &str) -> ::core::option::Option<Self> {
        dm::parse_enum(s, &Self::VALUES, &Self::ALL)
    }
}

impl ::core::fmt::Display for WorkspacePlan {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl dm::FieldValue for WorkspacePlan {
    fn to_attr(&self) -> dm::AttributeValue {
        dm::AttributeValue::S(self.as_str().into())
    }

    fn from_attr(
        value: &dm::AttributeValue,
    ) -> ::core::result::Result<Self, dm::DecodeError> {
        dm::enum_from_attr(value, "WorkspacePlan", Self::parse)
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

impl dm::KeyEnum for WorkspacePlan {}
