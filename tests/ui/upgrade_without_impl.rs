// A model whose spec says `"upgrade": true` reads stored items through its `Upgrade`
// impl; the generated `from_item` starts with this line, so until the impl is written the
// build says what to write.
use dynamongo_runtime::codegen as dm;

struct Gadget;

fn main() {
    let item = dm::Item::new();
    let _ = dm::upgraded::<Gadget>(&item);
}
