// An encrypted field (`"encrypt": true`) is ciphertext in the table: DynamoDB cannot
// compare it, so its handle builds no condition or filter; plaintext fields still do.
use dynamongo_runtime::ModelExt;
use dynamongo_tests::edge::patient::{self, Patient};

async fn demo(db: &dynamongo_runtime::Db) {
    let _ = patient::ward().eq("north"); // fine: signed plaintext
    let _ = Patient::get_many(db, patient::diagnosis().eq("flu"));
    let _ = patient::name().begins_with("A");
    let _ = patient::allergies().contains("penicillin");
}

fn main() {
    let _ = demo;
}
