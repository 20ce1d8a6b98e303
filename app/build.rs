//! The translations in `locales/` are compiled into the crate by `rust_i18n::i18n!`; rebuild when
//! any of them changes.
fn main() {
    println!("cargo:rerun-if-changed=locales");
}
