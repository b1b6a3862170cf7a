//! The module that `dynamongo-codegen` generates from the quickstart spec
//! (`spec/users.json`), kept here so that the runtime's documentation examples have a
//! model to use. The test `runtime_examples_are_generated_code` (in
//! `tests/tests/snapshots.rs`) checks that it is exactly the generator's output.

use crate::codegen as dm;

/// A registered user (the seed's quickstart model).
///
/// Capacity (from the spec): a stored item is 69 bytes or more (unbounded).
/// Saving a new one costs 1 or more write units.
/// Getting one costs 1 or more read units strongly consistent, 0.5 or more eventually.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// `email`: email, required
    pub email: ::std::string::String,
    /// `name`: string, required
    pub name: ::std::string::String,
    /// `year_of_birth`: int
    pub year_of_birth: ::core::option::Option<i64>,
    /// `cities_visited`: list
    pub cities_visited: ::std::vec::Vec<::std::string::String>,
    /// `created_at`: datetime
    pub created_at: dm::chrono::DateTime<dm::chrono::Utc>,
}

impl User {
    const EMAIL: dm::Attr = dm::Attr::new("email")
        .rules(dm::Rules::new().email().required());
    const NAME: dm::Attr = dm::Attr::new("name").rules(dm::Rules::new().required());
    const YEAR_OF_BIRTH: dm::Attr = dm::Attr::new("year_of_birth")
        .rules(dm::Rules::new().min(1900.0).max(2018.0));
    const CITIES_VISITED: dm::Attr = dm::Attr::new("cities_visited");
    const CREATED_AT: dm::Attr = dm::Attr::new("created_at");

    /// A `User` with the given required fields and every other field at its default.
    pub fn new(
        email: impl ::core::convert::Into<::std::string::String>,
        name: impl ::core::convert::Into<::std::string::String>,
    ) -> Self {
        Self {
            email: email.into(),
            name: name.into(),
            year_of_birth: ::core::option::Option::None,
            cities_visited: ::core::default::Default::default(),
            created_at: dm::now(),
        }
    }
}

impl dm::Document for User {
    const FIELDS: usize = 5;

    fn visit<V: dm::Visitor>(&self, visitor: &mut V) {
        visitor.field(&Self::EMAIL, &self.email);
        visitor.field(&Self::NAME, &self.name);
        visitor.field(&Self::YEAR_OF_BIRTH, &self.year_of_birth);
        visitor.field(&Self::CITIES_VISITED, &self.cities_visited);
        visitor.field(&Self::CREATED_AT, &self.created_at);
    }

    fn from_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            email: dm::get(item, &Self::EMAIL)?,
            name: dm::get(item, &Self::NAME)?,
            year_of_birth: dm::get(item, &Self::YEAR_OF_BIRTH)?,
            cities_visited: dm::get(item, &Self::CITIES_VISITED)?,
            created_at: dm::get_or(item, &Self::CREATED_AT, dm::now)?,
        })
    }

    fn read_json(json: &mut dm::JsonReader<'_>) -> ::core::option::Option<Self> {
        let email = json.field(&Self::EMAIL);
        let name = json.field(&Self::NAME);
        let year_of_birth = json.field(&Self::YEAR_OF_BIRTH);
        let cities_visited = json.field(&Self::CITIES_VISITED);
        let created_at = json.or(&Self::CREATED_AT, dm::now);
        ::core::option::Option::Some(Self {
            email: email?,
            name: name?,
            year_of_birth: year_of_birth?,
            cities_visited: cities_visited?,
            created_at: created_at?,
        })
    }
}

impl dm::Model for User {
    type Key = UserKey;

    const TABLE: &'static str = "users";
    const HASH_KEY: dm::KeyAttr = dm::KeyAttr::new(User::EMAIL.name, dm::ScalarType::S);
    const THROUGHPUT: dm::Throughput = dm::Throughput::provisioned(8, 8);
    const ITEM_BYTES: dm::ItemBytes = dm::ItemBytes::new(
        69,
        ::core::option::Option::None,
    );

    fn key(&self) -> UserKey {
        UserKey {
            email: self.email.clone(),
        }
    }

    fn json_updates(json: &mut dm::JsonUpdates<'_, Self>) {
        json.key(&email());
        json.set(&name());
        json.set(&year_of_birth());
        json.set(&cities_visited());
        json.set(&created_at());
    }
}

/// The primary key of [`User`]: `email`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserKey {
    /// `email` (email).
    pub email: ::std::string::String,
}

impl dm::ModelKey for UserKey {
    fn to_key_item(&self) -> dm::Item {
        dm::Item::from([dm::attr(&User::EMAIL, &self.email)])
    }

    fn from_key_item(item: &dm::Item) -> ::core::result::Result<Self, dm::DecodeError> {
        ::core::result::Result::Ok(Self {
            email: dm::get(item, &User::EMAIL)?,
        })
    }
}

impl dm::Strategy<User> for UserKey {
    fn into_target(self) -> dm::Target<User> {
        dm::Target::Key(self)
    }
}

impl ::core::convert::From<::std::string::String> for UserKey {
    fn from(email: ::std::string::String) -> Self {
        Self { email }
    }
}

impl dm::Strategy<User> for ::std::string::String {
    fn into_target(self) -> dm::Target<User> {
        dm::Target::Key(self.into())
    }
}

impl ::core::convert::From<&str> for UserKey {
    fn from(email: &str) -> Self {
        Self { email: email.into() }
    }
}

impl dm::Strategy<User> for &str {
    fn into_target(self) -> dm::Target<User> {
        dm::Target::Key(self.into())
    }
}

/// The `email` field (email): conditions and updates.
pub fn email() -> dm::Field<User, ::std::string::String> {
    dm::Field::of(&User::EMAIL)
}

/// The `name` field (string): conditions and updates.
pub fn name() -> dm::Field<User, ::std::string::String> {
    dm::Field::of(&User::NAME)
}

/// The `year_of_birth` field (int): conditions and updates.
pub fn year_of_birth() -> dm::Field<User, i64, dm::Optional> {
    dm::Field::of(&User::YEAR_OF_BIRTH)
}

/// The `cities_visited` field (list): conditions and updates.
pub fn cities_visited() -> dm::Field<User, ::std::vec::Vec<::std::string::String>> {
    dm::Field::of(&User::CITIES_VISITED)
}

/// The `created_at` field (datetime): conditions and updates.
pub fn created_at() -> dm::Field<User, dm::chrono::DateTime<dm::chrono::Utc>> {
    dm::Field::of(&User::CREATED_AT)
}
