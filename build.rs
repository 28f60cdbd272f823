// `embed_migrations!` does not notice a new migration directory; without this, a build
// after adding one would keep embedding the old list.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
