//! What is emitted when the attribute has mistakes: the user's item exactly as written plus
//! one `compile_error!` per mistake, so the item still exists for the rest of the crate (and
//! for IDEs) and the only errors are ours.

use crate::attr::Kind;
use crate::ctxt::Ctxt;
use proc_macro2::TokenStream;

/// The item untouched, preceded by the errors gathered in `cx`, if any.
pub(crate) fn untouched(item: TokenStream, cx: Ctxt) -> TokenStream {
    let mut tokens = cx.check().err().unwrap_or_default();
    tokens.extend(item);
    tokens
}

/// The attribute was put on something that is not a function with a body.
pub(crate) fn not_a_function(kind: Kind, item: TokenStream, mut cx: Ctxt) -> TokenStream {
    cx.error_spanned_by(
        &item,
        format!(
            "`{}` can only be applied to a function with a body (a free function, a method, \
             or `main`)",
            kind.attribute()
        ),
    );
    untouched(item, cx)
}
