//! The attributes' arguments, parsed into a typed [`Args`].
//!
//! The argument list is cut at its top-level commas and each option is parsed on its own, so
//! one malformed option does not hide the errors of the others: every unknown, misplaced,
//! malformed or duplicate option is reported, each on its own tokens.

use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Path, Token};

/// The options, in the order messages list them: keyword, the attributes that take it, its
/// typed value, its parser, and where it goes in [`Args`]. The keywords, each attribute's
/// list of options, the names in messages and the parser all follow from this table; only
/// `crate`, a reserved word, is parsed on its own (by [`crate_path`]).
macro_rules! options {
    ($(
        $kw:ident [$($kind:ident)|+] $variant:ident($ty:ty) = $parse:ident,
        |$args:ident, $span:pat_param, $value:pat_param| $set:expr;
    )*) => {
        mod kw {
            $(syn::custom_keyword!($kw);)*
        }

        /// An option with its typed value.
        enum Value {
            $($variant($ty),)*
            Crate(Path),
        }

        /// Every option's keyword and the attributes that accept it.
        const OPTIONS: &[(&str, &[Kind])] = &[
            $((stringify!($kw), &[$(Kind::$kind),+]),)*
            ("crate", &[Kind::Run, Kind::Params, Kind::Metrics]),
        ];

        impl Value {
            /// The option's keyword.
            fn name(&self) -> &'static str {
                match self {
                    $(Value::$variant(_) => stringify!($kw),)*
                    Value::Crate(_) => "crate",
                }
            }
        }

        /// Parses the option whose keyword comes next; `None` when no keyword of the table
        /// does.
        fn parse_keyword(input: ParseStream) -> Option<syn::Result<Opt>> {
            $(
                if input.peek(kw::$kw) {
                    return Some(input.parse::<kw::$kw>().and_then(|keyword| {
                        let value = $parse(input, stringify!($kw), keyword.span)?;
                        Ok(Opt {
                            span: keyword.span,
                            value: Value::$variant(value),
                        })
                    }));
                }
            )*
            None
        }

        impl Args {
            fn set(&mut self, opt: Opt) {
                match opt.value {
                    $(Value::$variant(value) => {
                        let ($args, $span, $value) = (&mut *self, opt.span, value);
                        $set;
                    })*
                    Value::Crate(path) => self.krate = Some(path),
                }
            }
        }
    };
}

options! {
    name [Run] Name(LitStr) = string, |args, _, lit| args.name = Some(lit);
    project [Run] Project(LitStr) = string, |args, _, lit| args.project = Some(lit);
    description [Run] Description(LitStr) = string, |args, _, lit| args.description = Some(lit);
    tags [Run] Tags(Vec<LitStr>) = strings, |args, _, lits| args.tags = Some(lits);
    offline [Run] Offline(()) = flag, |args, _, ()| args.offline = true;
    skip [Run | Params] Skip(Vec<Ident>) = idents, |args, _, idents| args.skip = idents;
    skip_all [Run | Params] SkipAll(()) = flag, |args, span, ()| args.skip_all = Some(span);
    rename [Run | Params] Rename(Vec<Rename>) = renames, |args, _, renames| args.rename = renames;
    whole [Run | Params] Whole(Vec<Ident>) = idents, |args, _, idents| args.whole = idents;
    step [Metrics] Step(Ident) = ident, |args, _, ident| args.step = Some(ident);
    prefix [Params | Metrics] Prefix(LitStr) = string, |args, _, lit| args.prefix = Some(lit);
    outputs [Run] Outputs(LitStr) = string, |args, _, lit| args.outputs = Some(lit);
    skip_ret [Run] SkipRet(()) = flag, |args, span, ()| args.skip_ret = Some(span);
}

/// Which of the three attributes is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[track_run]`
    Run,
    /// `#[track_params]`
    Params,
    /// `#[track_metrics]`
    Metrics,
}

impl Kind {
    /// The attribute as a user writes it, for messages.
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Kind::Run => "#[track_run]",
            Kind::Params => "#[track_params]",
            Kind::Metrics => "#[track_metrics]",
        }
    }

    /// The options this attribute accepts, in the order of the table.
    fn options(self) -> impl Iterator<Item = &'static str> {
        OPTIONS
            .iter()
            .filter(move |(_, kinds)| kinds.contains(&self))
            .map(|(name, _)| *name)
    }

    /// Whether this attribute accepts `option`.
    fn accepts(self, option: &str) -> bool {
        self.options().any(|name| name == option)
    }

    fn expected(self) -> String {
        self.options()
            .map(|option| format!("`{option}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `rename(from = "to")`: log parameter `from` under the key `to`.
pub(crate) struct Rename {
    pub(crate) from: Ident,
    pub(crate) to: LitStr,
}

/// The options of one attribute, each absent unless written.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) project: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) tags: Option<Vec<LitStr>>,
    pub(crate) offline: bool,
    pub(crate) skip: Vec<Ident>,
    /// The span of the `skip_all` keyword.
    pub(crate) skip_all: Option<Span>,
    pub(crate) rename: Vec<Rename>,
    pub(crate) whole: Vec<Ident>,
    pub(crate) prefix: Option<LitStr>,
    pub(crate) outputs: Option<LitStr>,
    /// The span of the `skip_ret` keyword.
    pub(crate) skip_ret: Option<Span>,
    pub(crate) step: Option<Ident>,
    pub(crate) krate: Option<Path>,
}

/// One option as written, before it is checked against the attribute.
struct Opt {
    /// The option's keyword span.
    span: Span,
    value: Value,
}

/// Parses the arguments of `kind`'s attribute. Errors go to `cx`; what parsed is kept.
pub(crate) fn parse(cx: &mut Ctxt, kind: Kind, tokens: TokenStream) -> Args {
    let mut args = Args::default();
    let mut seen: Vec<&'static str> = Vec::new();
    for segment in split_at_commas(tokens) {
        let opt = match (|input: ParseStream| parse_opt(input, kind)).parse2(segment) {
            Ok(opt) => opt,
            Err(error) => {
                cx.syn_error(error);
                continue;
            }
        };
        if !kind.accepts(opt.value.name()) {
            let owner = [Kind::Run, Kind::Params, Kind::Metrics]
                .into_iter()
                .find(|other| other.accepts(opt.value.name()))
                .map_or(String::new(), |other| {
                    format!(" (it is an option of `{}`)", other.attribute())
                });
            cx.syn_error(syn::Error::new(
                opt.span,
                format!(
                    "`{}` is not an option of `{}`{owner}; expected one of {}",
                    opt.value.name(),
                    kind.attribute(),
                    kind.expected()
                ),
            ));
            continue;
        }
        if seen.contains(&opt.value.name()) {
            cx.syn_error(syn::Error::new(
                opt.span,
                format!(
                    "duplicate option `{}` in `{}`: give it once",
                    opt.value.name(),
                    kind.attribute()
                ),
            ));
            continue;
        }
        seen.push(opt.value.name());
        args.set(opt);
    }
    args
}

/// Cuts `tokens` at its top-level commas; empty pieces (a trailing comma) are dropped.
fn split_at_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut segments = Vec::new();
    let mut current = TokenStream::new();
    for tree in tokens {
        match &tree {
            TokenTree::Punct(punct) if punct.as_char() == ',' => {
                segments.push(std::mem::take(&mut current));
            }
            _ => current.extend([tree]),
        }
    }
    segments.push(current);
    segments.retain(|segment| !segment.is_empty());
    segments
}

fn parse_opt(input: ParseStream, kind: Kind) -> syn::Result<Opt> {
    if input.peek(Token![crate]) {
        let keyword: Token![crate] = input.parse()?;
        return Ok(Opt {
            span: keyword.span,
            value: Value::Crate(crate_path(input, keyword.span)?),
        });
    }
    if let Some(opt) = parse_keyword(input) {
        return opt;
    }
    let message = format!(
        "unknown option of `{}`; expected one of {}",
        kind.attribute(),
        kind.expected()
    );
    match input.call(Ident::parse_any) {
        Ok(ident) => Err(syn::Error::new(
            ident.span(),
            format!(
                "unknown option `{ident}` of `{}`; expected one of {}",
                kind.attribute(),
                kind.expected()
            ),
        )),
        Err(error) => Err(syn::Error::new(error.span(), message)),
    }
}

/// `= "text"`
fn string(input: ParseStream, name: &str, keyword: Span) -> syn::Result<LitStr> {
    equals(input, name, keyword, "a string literal")?;
    let lit: LitStr = input.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("`{name}` takes a string literal: `{name} = \"..\"`"),
        )
    })?;
    Ok(lit)
}

/// `("a", "b")`
fn strings(input: ParseStream, name: &str, keyword: Span) -> syn::Result<Vec<LitStr>> {
    let content = parenthesized(input, name, keyword, "string literals")?;
    let lits = Punctuated::<LitStr, Token![,]>::parse_terminated(&content).map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("`{name}` takes string literals: `{name}(\"a\", \"b\")`"),
        )
    })?;
    Ok(lits.into_iter().collect())
}

/// `(a, b)`
fn idents(input: ParseStream, name: &str, keyword: Span) -> syn::Result<Vec<Ident>> {
    let content = parenthesized(input, name, keyword, "parameter names")?;
    let idents = Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)
        .map_err(|error| {
            syn::Error::new(
                error.span(),
                format!("`{name}` takes parameter names: `{name}(a, b)`"),
            )
        })?;
    Ok(idents.into_iter().collect())
}

fn parse_rename(input: ParseStream) -> syn::Result<Rename> {
    let from = input.call(Ident::parse_any)?;
    input.parse::<Token![=]>()?;
    let to = input.parse()?;
    Ok(Rename { from, to })
}

/// `(a = "x", b = "y")`
fn renames(input: ParseStream, name: &str, keyword: Span) -> syn::Result<Vec<Rename>> {
    let content = parenthesized(input, name, keyword, "renames")?;
    let renames = Punctuated::<Rename, Token![,]>::parse_terminated_with(&content, parse_rename)
        .map_err(|error| {
            syn::Error::new(
                error.span(),
                "`rename` takes `parameter = \"key\"` pairs: `rename(lr = \"learning_rate\")`",
            )
        })?;
    Ok(renames.into_iter().collect())
}

/// A bare keyword.
fn flag(input: ParseStream, name: &str, _keyword: Span) -> syn::Result<()> {
    if input.is_empty() {
        Ok(())
    } else {
        Err(input.error(format!("`{name}` takes no value: write `{name}` alone")))
    }
}

/// `= argument`. Anything else (`self.epoch`, `epoch + 1`) is refused as a whole, with the
/// fix: bind the value to an argument.
fn ident(input: ParseStream, name: &str, keyword: Span) -> syn::Result<Ident> {
    equals(input, name, keyword, "a parameter name")?;
    let rest: TokenStream = input.parse()?;
    let mut trees = rest.clone().into_iter();
    if let (Some(TokenTree::Ident(ident)), None) = (trees.next(), trees.next()) {
        return Ok(ident);
    }
    let written = rest.to_string();
    let literal = matches!(rest.clone().into_iter().next(), Some(TokenTree::Literal(_)));
    let message = if rest.is_empty() || literal {
        format!("`{name}` takes a parameter name: `{name} = epoch`")
    } else {
        format!(
            "`{name}` must name an argument of the function, not an expression \
             (`{written}`): take the value as an argument (`fn evaluate(&self, epoch: u32)`, \
             called with `{written}`) and write `{name} = epoch`"
        )
    };
    Err(syn::Error::new_spanned(rest, message))
}

/// `= path` or `= "path"`
fn crate_path(input: ParseStream, keyword: Span) -> syn::Result<Path> {
    equals(input, "crate", keyword, "a path")?;
    let path = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        lit.parse_with(Path::parse_mod_style)?
    } else {
        input.call(Path::parse_mod_style).map_err(|error| {
            syn::Error::new(
                error.span(),
                "`crate` takes a path: `crate = my_reexport::polytrack`",
            )
        })?
    };
    Ok(path)
}

/// The `=` after a keyword; a missing one is reported on the keyword.
fn equals(input: ParseStream, name: &str, keyword: Span, what: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        Ok(())
    } else {
        let span = if input.is_empty() {
            keyword
        } else {
            input.span()
        };
        Err(syn::Error::new(
            span,
            format!("`{name}` takes {what} after `=`: `{name} = ..`"),
        ))
    }
}

/// The contents of the parentheses after a keyword; missing ones are reported on the keyword,
/// and an unfinished content on the closing parenthesis.
fn parenthesized<'a>(
    input: ParseStream<'a>,
    name: &str,
    keyword: Span,
    what: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    let message = format!("`{name}` takes {what} in parentheses: `{name}(..)`");
    if !input.peek(syn::token::Paren) {
        let span = if input.is_empty() {
            keyword
        } else {
            input.span()
        };
        return Err(syn::Error::new(span, message));
    }
    let content;
    syn::parenthesized!(content in input);
    if !input.is_empty() {
        return Err(input.error(format!("unexpected tokens after `{name}(..)`")));
    }
    Ok(content)
}
