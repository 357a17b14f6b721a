//! Compile-time behaviour of the attributes, with trybuild: every mistake is a compile error
//! on the user's tokens (`ui/*.rs`, with the expected `.stderr` beside each), and the
//! expansions compile in hostile settings (`ui/pass/*.rs`).
//!
//! After a deliberate change of a message: `TRYBUILD=overwrite cargo test -p polytrack-tests
//! --test macros ui::`, then review the `.stderr` diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}
