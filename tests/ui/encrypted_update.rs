// An encrypted field has no update methods: DynamoDB cannot change ciphertext. Change the
// value in Rust and save the item; signed plaintext fields keep theirs.
use dynamongo_tests::edge::patient;

fn main() {
    let _ = patient::ward().set("south"); // fine: the update is a read, a change, a put
    let _ = patient::visits().increment(); // fine: unsigned, in place
    let _ = patient::diagnosis().set("flu");
    let _ = patient::diagnosis().remove();
    let _ = patient::allergies().append(["nuts"]);
}
