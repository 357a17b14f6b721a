//! Code generation. Every path goes through `<polytrack>::__private`, `<polytrack>` being the
//! `crate = path` override or else the calling crate's name for the polytrack dependency
//! ([`dependency`]), and every synthesized local is hygienic, so the user's own items named `core`,
//! `polytrack` or `Result` change nothing.
//!
//! The rewritten function keeps its attributes and signature exactly; only the body changes.

use crate::attr::{self, Args, Kind};
use crate::ctxt::Ctxt;
use crate::dependency;
use crate::fallback;
use crate::func::Func;
use crate::validate::{self, Input, Layout};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{AttrStyle, Ident, LitStr, ReturnType};

/// Expands `kind`'s attribute with arguments `attr` on `item`: parse, validate, generate.
pub(crate) fn attribute(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let mut args = attr::parse(&mut cx, kind, attr);
    if args.krate.is_none() {
        match dependency::polytrack(kind) {
            Ok(path) => args.krate = Some(path),
            Err(error) => cx.syn_error(error),
        }
    }
    let Some(func) = Func::parse(item.clone()) else {
        if crate::func::has_unparsed_body(item.clone()) {
            // The compiler's own error on the body is the useful one.
            return fallback::untouched(item, cx);
        }
        return fallback::not_a_function(kind, item, cx);
    };
    let inputs = validate::check(&mut cx, kind, &args, &func);
    if let Err(errors) = cx.check() {
        let mut tokens = errors;
        tokens.extend(item);
        return tokens;
    }
    match kind {
        Kind::Run => track_run(&args, &func, &inputs),
        Kind::Params => track_params(&args, &func, &inputs),
        Kind::Metrics => track_metrics(&args, &func),
    }
}

/// `#[track_run]`: start a run, log inputs, run the body, log outputs, end the run.
fn track_run(args: &Args, func: &Func, inputs: &[Input]) -> TokenStream {
    let private = private(args);
    let scope = local("__polytrack_scope");
    let ret = local("__polytrack_ret");
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| LitStr::new(&func.name(), func.item.sig.ident.span()));
    let project = option(args.project.as_ref());
    let description = option(args.description.as_ref());
    let tags = args.tags.iter().flatten();
    let offline = args.offline;
    let log_inputs = log_inputs(&private, func, inputs, quote!(#scope.inputs()));
    let options = quote! {
        #private::RunOptions {
            name: #name,
            project: #project,
            description: #description,
            tags: &[#(#tags),*],
            offline: #offline,
        }
    };
    if func.never_returns() {
        // `-> !`: the body never ends normally; the scope ends the run as failed if it
        // panics (dropped while unwinding), and the body keeps its type.
        let stmts = &func.item.block.stmts;
        let entered = local("__polytrack_entered");
        return wrap(
            func,
            args,
            quote! {
                let #scope = #private::RunScope::start(#options);
                #log_inputs
                let #entered = #scope.enter();
                #(#stmts)*
            },
        );
    }
    let call = call_body(&private, func, Some(&scope));
    let ending = ending(&private, func, &ret);
    let end = match (args.skip_ret, &args.outputs) {
        (Some(_), _) => quote!(#scope.end(#ending);),
        (None, outputs) => {
            let key = option(outputs.as_ref());
            let span = output_span(func);
            quote_spanned!(span=> #scope.end_with_outputs(#ending, #key);)
        }
    };
    wrap(
        func,
        args,
        quote! {
            let #scope = #private::RunScope::start(#options);
            #log_inputs
            let #ret = #call;
            #end
            #ret
        },
    )
}

/// `#[track_params]`: log the arguments into the current run, if there is one, then run the
/// body untouched.
fn track_params(args: &Args, func: &Func, inputs: &[Input]) -> TokenStream {
    let private = private(args);
    let prefix = option(args.prefix.as_ref());
    let log_inputs = log_inputs(
        &private,
        func,
        inputs,
        quote!(#private::current_inputs(#prefix)),
    );
    // The body's statements, not its block: a one-line `{ x }` nested in the function's own
    // braces would trip `unused_braces` in the user's crate.
    let stmts = &func.item.block.stmts;
    wrap(func, args, quote!(#log_inputs #(#stmts)*))
}

/// `#[track_metrics]`: run the body, then log what it returned as metrics of the current run.
fn track_metrics(args: &Args, func: &Func) -> TokenStream {
    let private = private(args);
    let ret = local("__polytrack_ret");
    let run = local("__polytrack_run");
    let step = local("__polytrack_step");
    let (step_setup, step_arg) = match &args.step {
        Some(arg) => (
            quote_spanned!(arg.span()=> let #step = #private::step(&#arg);),
            quote!(#private::Step::At(#step)),
        ),
        None => {
            let counter = Ident::new("__POLYTRACK_STEPS", Span::mixed_site());
            (
                quote! {
                    static #counter: #private::StepCounter = #private::StepCounter::new();
                },
                quote!(#private::Step::Next(&#counter)),
            )
        }
    };
    let name = LitStr::new(&func.name(), func.item.sig.ident.span());
    let prefix = option(args.prefix.as_ref());
    let call = call_body(&private, func, None);
    let ending = ending(&private, func, &ret);
    let span = output_span(func);
    let log = quote_spanned! {span=>
        #private::log_metrics(&#run, #ending, #name, #prefix, #step_arg);
    };
    wrap(
        func,
        args,
        quote! {
            #step_setup
            let #ret = #call;
            if let ::core::option::Option::Some(#run) = #private::current() {
                #log
            }
            #ret
        },
    )
}

/// The name generated code reaches polytrack through: a local alias of
/// `::polytrack::__private` (or `<crate>::__private`), imported once at the top of the body by
/// [`import`].
fn private(_: &Args) -> TokenStream {
    local("__polytrack_private").into_token_stream()
}

/// `use ::polytrack::__private as __polytrack_private;`. One import, so that a `crate = ..`
/// path that does not resolve gets one error, on that path, instead of one per use in the
/// expansion. (A crate without the polytrack dependency was already told so by
/// [`dependency::polytrack`]; `None` is left only by the `Err` path, never generated.)
fn import(args: &Args) -> TokenStream {
    let alias = local("__polytrack_private");
    match &args.krate {
        Some(path) => quote!(#[allow(unused_imports)] use #path::__private as #alias;),
        None => quote!(#[allow(unused_imports)] use ::polytrack::__private as #alias;),
    }
}

/// A hygienic local the user's code cannot see or shadow.
fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

fn option(lit: Option<&LitStr>) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    }
}

/// The function with its attributes and signature as written and `body` as its body, after
/// the import of polytrack's support module.
fn wrap(func: &Func, args: &Args, body: TokenStream) -> TokenStream {
    let import = import(args);
    let item = &func.item;
    let outer = item
        .attrs
        .iter()
        .filter(|attr| matches!(attr.style, AttrStyle::Outer));
    let inner = item
        .attrs
        .iter()
        .filter(|attr| matches!(attr.style, AttrStyle::Inner(_)));
    let vis = &item.vis;
    let sig = &item.sig;
    quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            #import
            #body
        }
    }
}

/// Logs each input into the `Inputs` that `source` yields, if it yields one. `source` is
/// `None` when no run is active, and then nothing is serialized.
fn log_inputs(
    private: &TokenStream,
    func: &Func,
    inputs: &[Input],
    source: TokenStream,
) -> TokenStream {
    if inputs.is_empty() {
        return TokenStream::new();
    }
    let var = local("__polytrack_inputs");
    let adds = inputs.iter().map(|input| {
        let Input { ident, key, layout } = input;
        let layout = match layout {
            Layout::Fields => quote!(#private::Layout::Fields),
            Layout::Prefixed => quote!(#private::Layout::Prefixed),
            Layout::Whole => quote!(#private::Layout::Whole),
        };
        // Compiled exactly when the argument is; spanned on the argument, so that a type
        // that is not `Serialize` is reported there.
        let cfgs = func.cfgs_of(ident);
        quote_spanned!(ident.span()=> #(#cfgs)* #var.add(#key, &#ident, #layout);)
    });
    quote! {
        if let ::core::option::Option::Some(mut #var) = #source {
            #(#adds)*
            #var.log();
        }
    }
}

/// The body as an expression of the function's return type: a `FnOnce` closure called at
/// once (sync) or an awaited `async move` block (async), so that `return` and `?` inside it
/// keep their meaning. The return type is pinned where it can be named, so inference inside
/// the body sees the same type as in the original function.
///
/// With `scope` (`#[track_run]`), the run is entered while the body runs: on the calling
/// thread for the closure, on every poll for the `async` block.
fn call_body(private: &TokenStream, func: &Func, scope: Option<&Ident>) -> TokenStream {
    let body = call_unscoped(private, func);
    let Some(scope) = scope else {
        return body;
    };
    if func.item.sig.asyncness.is_some() {
        let block = async_block(private, func);
        quote!(#scope.instrument(#block).await)
    } else {
        let entered = local("__polytrack_entered");
        quote!({
            let #entered = #scope.enter();
            #body
        })
    }
}

/// The body's `async move` block, its output type pinned where it can be named.
fn async_block(private: &TokenStream, func: &Func) -> TokenStream {
    let ty = match &func.item.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let pin = func.return_type_is_nameable().then(|| {
        quote! {
            if false {
                return #private::never::<#ty>();
            }
        }
    });
    let stmts = &func.item.block.stmts;
    quote!(async move { #pin #(#stmts)* })
}

fn call_unscoped(private: &TokenStream, func: &Func) -> TokenStream {
    let block = &func.item.block;
    let ty = match &func.item.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let nameable = func.return_type_is_nameable();
    if func.item.sig.asyncness.is_some() {
        let block = async_block(private, func);
        quote!(#block.await)
    } else if nameable {
        quote!(#private::call::<#ty, _>(move || #block))
    } else {
        quote!(#private::call(move || #block))
    }
}

/// How the call ended, from the returned value: the `Ok` value or the error's text of a
/// `Result`, or the value itself. Decided by trait resolution on the value's type.
fn ending(private: &TokenStream, func: &Func, ret: &Ident) -> TokenStream {
    let span = output_span(func);
    quote_spanned! {span=>
        {
            #[allow(unused_imports)]
            use #private::{ResultDisplayKind as _, ResultDebugKind as _, ResultKind as _, ValueKind as _};
            (&&&&#private::Wrap(&#ret)).__polytrack_ending()
        }
    }
}

/// Where errors about the returned value point: the return type, or the name.
fn output_span(func: &Func) -> Span {
    match &func.item.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => func.item.sig.ident.span(),
    }
}
