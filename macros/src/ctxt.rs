//! Gathers every error of one macro call so that they are all reported in one compile, the
//! way `serde_derive`'s `Ctxt` does, and like it panics if dropped with its errors unchecked
//! (an expansion that forgot to report them would silently generate code).

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far while expanding one attribute.
pub(crate) struct Ctxt {
    /// `None` once [`Ctxt::check`] took them.
    errors: Option<Vec<syn::Error>>,
}

impl Ctxt {
    /// An empty collector; [`Ctxt::check`] must be called before it is dropped.
    pub(crate) fn new() -> Ctxt {
        Ctxt {
            errors: Some(Vec::new()),
        }
    }

    /// Records an error spanned on `tokens`.
    pub(crate) fn error_spanned_by<T: ToTokens, M: Display>(&mut self, tokens: T, message: M) {
        self.syn_error(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error that was built elsewhere (a parse error, say).
    pub(crate) fn syn_error(&mut self, error: syn::Error) {
        if let Some(errors) = &mut self.errors {
            errors.push(error);
        }
    }

    /// Consumes the collector: `Ok` when no error was recorded, else the errors as
    /// `compile_error!` invocations, each on its own span.
    pub(crate) fn check(mut self) -> Result<(), TokenStream> {
        let errors = self.errors.take().unwrap_or_default();
        if errors.is_empty() {
            return Ok(());
        }
        Err(errors.iter().map(syn::Error::to_compile_error).collect())
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("polytrack-macros: a `Ctxt` was dropped without its errors being checked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ctxt;
    use proc_macro2::Span;

    #[test]
    fn checked_errors_become_compile_errors() {
        let mut cx = Ctxt::new();
        cx.syn_error(syn::Error::new(Span::call_site(), "first"));
        cx.syn_error(syn::Error::new(Span::call_site(), "second"));
        let errors = cx.check().expect_err("two errors").to_string();
        assert!(
            errors.contains("first") && errors.contains("second"),
            "{errors}"
        );
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "without its errors being checked")]
    fn an_unchecked_ctxt_panics_when_dropped() {
        let mut cx = Ctxt::new();
        cx.syn_error(syn::Error::new(Span::call_site(), "lost"));
        drop(cx);
    }
}
