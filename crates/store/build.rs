//! The migrations are embedded at compile time (`embed_migrations!`): a new or changed migration must rebuild this
//! crate even when no Rust file changed, or a binary would run a stale set.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
