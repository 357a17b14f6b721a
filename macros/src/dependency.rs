//! Where the generated code finds polytrack when the user wrote no `crate = ..`: the name the
//! calling crate's `Cargo.toml` gives the `polytrack` package, read at expansion time with
//! `proc-macro-crate` (as serde-like derive crates do). A renamed dependency
//! (`pt = { package = "polytrack", .. }`) then just works, and a crate that does not depend on
//! polytrack at all (a facade re-exporting it, say) gets one error naming `crate = ..` instead
//! of rustc's bare "unresolved import".

use crate::attr::Kind;
use proc_macro2::Span;
use proc_macro_crate::{Error, FoundCrate};
use syn::Path;

/// The path of polytrack for the calling crate, or the message of why it has none.
pub(crate) fn polytrack(kind: Kind) -> Result<Path, syn::Error> {
    decide(kind, proc_macro_crate::crate_name("polytrack"))
        .map_err(|message| syn::Error::new(Span::call_site(), message))
}

/// What a lookup of the `polytrack` package in the calling crate's manifest means.
///
/// - `Itself`: polytrack's own package (its doctests, examples, benches link it as
///   `polytrack`; the library itself does not use the attributes): `::polytrack`.
/// - `Name(n)`: the crate depends on polytrack as `n` (`n` is `polytrack` unless renamed).
/// - not among the dependencies: an error that names both fixes.
/// - the manifest cannot be read (no `CARGO_MANIFEST_DIR`, a build outside cargo): the
///   default `::polytrack`, whose unresolved import is then the compiler's to report.
fn decide(kind: Kind, found: Result<FoundCrate, Error>) -> Result<Path, String> {
    let name = match found {
        Ok(FoundCrate::Name(name)) => name,
        Ok(FoundCrate::Itself) => "polytrack".to_owned(),
        Err(Error::CrateNotFound { path, .. }) => {
            let attribute = kind.attribute();
            let with_crate = attribute.replace(']', "(crate = mylib::polytrack)]");
            return Err(format!(
                "{attribute}: `polytrack` is not a direct dependency of this crate ({}): add \
                 `polytrack` to its [dependencies], or, when polytrack is reached through a \
                 re-export, name that path with `crate = ..`, e.g. `{with_crate}`",
                path.display()
            ));
        }
        Err(_) => "polytrack".to_owned(),
    };
    syn::parse_str::<Path>(&format!("::{name}")).map_err(|_| {
        format!(
            "{}: polytrack's dependency name `{name}` is not a path; name polytrack with \
             `crate = ..`",
            kind.attribute()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::decide;
    use crate::attr::Kind;
    use proc_macro_crate::{Error, FoundCrate};
    use quote::ToTokens;
    use std::path::PathBuf;

    fn path(found: Result<FoundCrate, Error>) -> Result<String, String> {
        decide(Kind::Run, found).map(|path| path.to_token_stream().to_string().replace(' ', ""))
    }

    #[test]
    fn a_dependency_is_reached_by_the_name_the_manifest_gives_it() {
        assert_eq!(
            path(Ok(FoundCrate::Name("polytrack".into()))),
            Ok("::polytrack".into())
        );
        assert_eq!(path(Ok(FoundCrate::Name("pt".into()))), Ok("::pt".into()));
    }

    #[test]
    fn polytrack_itself_and_an_unreadable_manifest_use_the_default_path() {
        assert_eq!(path(Ok(FoundCrate::Itself)), Ok("::polytrack".into()));
        assert_eq!(
            path(Err(Error::CargoManifestDirNotSet)),
            Ok("::polytrack".into())
        );
        assert_eq!(
            path(Err(Error::NotFound(PathBuf::from("nowhere")))),
            Ok("::polytrack".into())
        );
    }

    #[test]
    fn a_crate_without_the_dependency_is_told_both_fixes() {
        let message = path(Err(Error::CrateNotFound {
            crate_name: "polytrack".into(),
            path: PathBuf::from("facade-user/Cargo.toml"),
        }))
        .expect_err("not a dependency");
        for part in [
            "#[track_run]: `polytrack` is not a direct dependency of this crate",
            "facade-user/Cargo.toml",
            "add `polytrack` to its [dependencies]",
            "`#[track_run(crate = mylib::polytrack)]`",
        ] {
            assert!(message.contains(part), "{part:?} missing from: {message}");
        }
    }

    /// The lookup on real manifests: the only test of this crate that sets
    /// `CARGO_MANIFEST_DIR`, so no other test sees it changed.
    #[test]
    fn real_manifests_give_the_renamed_name_or_the_error() {
        let root =
            std::env::temp_dir().join(format!("polytrack-dependency-{}", std::process::id()));
        let manifest = |dir: &str, dependencies: &str| {
            let dir = root.join(dir);
            std::fs::create_dir_all(dir.join("src")).expect("temporary crate");
            std::fs::write(dir.join("src/lib.rs"), "").expect("lib.rs");
            std::fs::write(
                dir.join("Cargo.toml"),
                format!("[package]\nname = \"user\"\nversion = \"0.1.0\"\n\n[dependencies]\n{dependencies}\n"),
            )
            .expect("Cargo.toml");
            dir
        };
        let renamed = manifest(
            "renamed",
            "pt = { package = \"polytrack\", version = \"0.1\" }",
        );
        let facade = manifest("facade", "mylib = \"0.1\"");
        let saved = std::env::var_os("CARGO_MANIFEST_DIR");
        std::env::set_var("CARGO_MANIFEST_DIR", &renamed);
        let found = super::polytrack(Kind::Params).map(|path| path.to_token_stream().to_string());
        std::env::set_var("CARGO_MANIFEST_DIR", &facade);
        let missing = super::polytrack(Kind::Params).map(|path| path.to_token_stream().to_string());
        match saved {
            Some(saved) => std::env::set_var("CARGO_MANIFEST_DIR", saved),
            None => std::env::remove_var("CARGO_MANIFEST_DIR"),
        }
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(found.map_err(|e| e.to_string()), Ok(":: pt".to_owned()));
        let message = missing.expect_err("mylib is not polytrack").to_string();
        assert!(
            message.contains("#[track_params]: `polytrack` is not a direct dependency")
                && message.contains("`#[track_params(crate = mylib::polytrack)]`"),
            "{message}"
        );
    }

    #[test]
    fn a_dependency_name_that_is_not_a_path_is_an_error_not_a_panic() {
        let message = path(Ok(FoundCrate::Name("not a name".into()))).expect_err("bad name");
        assert!(message.contains("`crate = ..`"), "{message}");
    }
}
