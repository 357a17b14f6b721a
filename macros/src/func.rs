//! The function an attribute is applied to: its item, the names its arguments are bound to,
//! and what its return type allows.

use proc_macro2::TokenStream;
use syn::visit::Visit;
use syn::{Attribute, FnArg, Ident, ItemFn, Pat, ReturnType, Type};

/// A function item with the facts the expansion needs.
pub(crate) struct Func {
    pub(crate) item: ItemFn,
    /// The names bound by the arguments, in order; `self` is never among them. A destructured
    /// argument contributes each name it binds.
    pub(crate) bindings: Vec<Ident>,
    /// Arguments that bind no name (`_`, `(_, _)`), so have nothing to be logged under.
    pub(crate) unnamed: Vec<Pat>,
    /// The `#[cfg]` attributes of the argument each binding comes from, by
    /// binding: its logging must be compiled exactly when the argument is.
    pub(crate) cfgs: Vec<(Ident, Vec<Attribute>)>,
}

impl Func {
    /// Parses the annotated item; `None` when it is not a function with a body.
    pub(crate) fn parse(item: TokenStream) -> Option<Func> {
        let item: ItemFn = syn::parse2(item).ok()?;
        let mut bindings = Vec::new();
        let mut unnamed = Vec::new();
        let mut cfgs = Vec::new();
        for input in &item.sig.inputs {
            if let FnArg::Typed(typed) = input {
                let before = bindings.len();
                collect_bindings(&typed.pat, &mut bindings);
                if bindings.len() == before {
                    unnamed.push((*typed.pat).clone());
                }
                let attrs: Vec<Attribute> = typed
                    .attrs
                    .iter()
                    .filter(|a| a.path().is_ident("cfg"))
                    .cloned()
                    .collect();
                if !attrs.is_empty() {
                    for binding in &bindings[before..] {
                        cfgs.push((binding.clone(), attrs.clone()));
                    }
                }
            }
        }
        Some(Func {
            item,
            bindings,
            unnamed,
            cfgs,
        })
    }

    /// The function's name as a string, raw identifiers unprefixed.
    pub(crate) fn name(&self) -> String {
        unraw(&self.item.sig.ident)
    }

    /// The written return type; `None` for `()` written or not.
    pub(crate) fn return_type(&self) -> Option<&Type> {
        match &self.item.sig.output {
            ReturnType::Type(_, ty) if !is_unit(ty) => Some(ty),
            _ => None,
        }
    }

    /// Whether the return type can be named inside the body (`impl Trait` and `!` cannot), so
    /// that the expansion can pin the body's type to it.
    pub(crate) fn return_type_is_nameable(&self) -> bool {
        match &self.item.sig.output {
            ReturnType::Default => true,
            ReturnType::Type(_, ty) => {
                let mut finder = ImplTraitFinder { found: false };
                finder.visit_type(ty);
                !finder.found && !matches!(**ty, Type::Never(_))
            }
        }
    }

    /// Whether the function is declared to never return (`-> !`).
    pub(crate) fn never_returns(&self) -> bool {
        matches!(&self.item.sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::Never(_)))
    }

    /// The `cfg` attributes of the argument that binds `binding`.
    pub(crate) fn cfgs_of(&self, binding: &Ident) -> &[Attribute] {
        self.cfgs
            .iter()
            .find(|(b, _)| b == binding)
            .map_or(&[], |(_, attrs)| attrs.as_slice())
    }

    /// Finds the binding an option names.
    pub(crate) fn binding(&self, name: &Ident) -> Option<&Ident> {
        self.bindings
            .iter()
            .find(|binding| unraw(binding) == unraw(name))
    }
}

/// Whether `item` is a function whose signature parses but whose body does not (it is being
/// edited, say): the body is taken as tokens, the way tokio-macros does, so that the item can
/// be given back to the compiler, which reports the body's own syntax error.
pub(crate) fn has_unparsed_body(item: TokenStream) -> bool {
    let parser = |input: syn::parse::ParseStream| -> syn::Result<()> {
        input.call(Attribute::parse_outer)?;
        input.parse::<syn::Visibility>()?;
        input.parse::<syn::Signature>()?;
        let body: proc_macro2::Group = input.parse()?;
        if body.delimiter() != proc_macro2::Delimiter::Brace || !input.is_empty() {
            return Err(input.error("not a function body"));
        }
        Ok(())
    };
    syn::parse::Parser::parse2(parser, item).is_ok()
}

/// An identifier as text, without the `r#` of a raw identifier.
pub(crate) fn unraw(ident: &Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

fn is_unit(ty: &Type) -> bool {
    match ty {
        Type::Tuple(tuple) => tuple.elems.is_empty(),
        Type::Paren(paren) => is_unit(&paren.elem),
        _ => false,
    }
}

/// Every name a pattern binds, in order.
fn collect_bindings(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(ident) => {
            out.push(ident.ident.clone());
            if let Some((_, sub)) = &ident.subpat {
                collect_bindings(sub, out);
            }
        }
        Pat::Tuple(tuple) => tuple
            .elems
            .iter()
            .for_each(|pat| collect_bindings(pat, out)),
        Pat::TupleStruct(tuple) => tuple
            .elems
            .iter()
            .for_each(|pat| collect_bindings(pat, out)),
        Pat::Struct(strukt) => strukt
            .fields
            .iter()
            .for_each(|field| collect_bindings(&field.pat, out)),
        Pat::Slice(slice) => slice
            .elems
            .iter()
            .for_each(|pat| collect_bindings(pat, out)),
        Pat::Reference(reference) => collect_bindings(&reference.pat, out),
        Pat::Paren(paren) => collect_bindings(&paren.pat, out),
        Pat::Type(typed) => collect_bindings(&typed.pat, out),
        // Every alternative binds the same names; the first one lists them.
        Pat::Or(or) => {
            if let Some(first) = or.cases.first() {
                collect_bindings(first, out);
            }
        }
        _ => {}
    }
}

struct ImplTraitFinder {
    found: bool,
}

impl<'ast> Visit<'ast> for ImplTraitFinder {
    fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
        self.found = true;
    }
}
