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

mod kw {
    syn::custom_keyword!(name);
    syn::custom_keyword!(project);
    syn::custom_keyword!(description);
    syn::custom_keyword!(tags);
    syn::custom_keyword!(offline);
    syn::custom_keyword!(skip);
    syn::custom_keyword!(skip_all);
    syn::custom_keyword!(rename);
    syn::custom_keyword!(whole);
    syn::custom_keyword!(prefix);
    syn::custom_keyword!(outputs);
    syn::custom_keyword!(skip_ret);
    syn::custom_keyword!(step);
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

    /// The options this attribute accepts, in the order the docs list them.
    fn options(self) -> &'static [&'static str] {
        match self {
            Kind::Run => &[
                "name",
                "project",
                "description",
                "tags",
                "offline",
                "skip",
                "skip_all",
                "rename",
                "whole",
                "outputs",
                "skip_ret",
                "crate",
            ],
            Kind::Params => &["skip", "skip_all", "rename", "whole", "prefix", "crate"],
            Kind::Metrics => &["step", "prefix", "crate"],
        }
    }

    fn expected(self) -> String {
        self.options()
            .iter()
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

/// An option with its typed value.
enum Value {
    Name(LitStr),
    Project(LitStr),
    Description(LitStr),
    Tags(Vec<LitStr>),
    Offline,
    Skip(Vec<Ident>),
    SkipAll,
    Rename(Vec<Rename>),
    Whole(Vec<Ident>),
    Prefix(LitStr),
    Outputs(LitStr),
    SkipRet,
    Step(Ident),
    Crate(Path),
}

impl Value {
    /// The option's keyword, as `Kind::options` spells it.
    fn name(&self) -> &'static str {
        match self {
            Value::Name(_) => "name",
            Value::Project(_) => "project",
            Value::Description(_) => "description",
            Value::Tags(_) => "tags",
            Value::Offline => "offline",
            Value::Skip(_) => "skip",
            Value::SkipAll => "skip_all",
            Value::Rename(_) => "rename",
            Value::Whole(_) => "whole",
            Value::Prefix(_) => "prefix",
            Value::Outputs(_) => "outputs",
            Value::SkipRet => "skip_ret",
            Value::Step(_) => "step",
            Value::Crate(_) => "crate",
        }
    }
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
        if !kind.options().contains(&opt.value.name()) {
            let owner = [Kind::Run, Kind::Params, Kind::Metrics]
                .into_iter()
                .find(|other| other.options().contains(&opt.value.name()))
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

impl Args {
    fn set(&mut self, opt: Opt) {
        match opt.value {
            Value::Name(lit) => self.name = Some(lit),
            Value::Project(lit) => self.project = Some(lit),
            Value::Description(lit) => self.description = Some(lit),
            Value::Tags(lits) => self.tags = Some(lits),
            Value::Offline => self.offline = true,
            Value::Skip(idents) => self.skip = idents,
            Value::SkipAll => self.skip_all = Some(opt.span),
            Value::Rename(renames) => self.rename = renames,
            Value::Whole(idents) => self.whole = idents,
            Value::Prefix(lit) => self.prefix = Some(lit),
            Value::Outputs(lit) => self.outputs = Some(lit),
            Value::SkipRet => self.skip_ret = Some(opt.span),
            Value::Step(ident) => self.step = Some(ident),
            Value::Crate(path) => self.krate = Some(path),
        }
    }
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
    macro_rules! opt {
        ($kw:ident, $variant:expr, $parse:ident) => {
            if input.peek(kw::$kw) {
                let keyword: kw::$kw = input.parse()?;
                let value = $parse(input, stringify!($kw), keyword.span)?;
                return Ok(Opt {
                    span: keyword.span,
                    value: $variant(value),
                });
            }
        };
    }
    if input.peek(Token![crate]) {
        let keyword: Token![crate] = input.parse()?;
        return Ok(Opt {
            span: keyword.span,
            value: Value::Crate(crate_path(input, keyword.span)?),
        });
    }
    opt!(name, Value::Name, string);
    opt!(project, Value::Project, string);
    opt!(description, Value::Description, string);
    opt!(tags, Value::Tags, strings);
    opt!(offline, |()| Value::Offline, flag);
    opt!(skip_all, |()| Value::SkipAll, flag);
    opt!(skip_ret, |()| Value::SkipRet, flag);
    opt!(skip, Value::Skip, idents);
    opt!(rename, Value::Rename, renames);
    opt!(whole, Value::Whole, idents);
    opt!(prefix, Value::Prefix, string);
    opt!(outputs, Value::Outputs, string);
    opt!(step, Value::Step, ident);
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

/// `= argument`
fn ident(input: ParseStream, name: &str, keyword: Span) -> syn::Result<Ident> {
    equals(input, name, keyword, "a parameter name")?;
    let ident = input.call(Ident::parse_any).map_err(|error| {
        syn::Error::new(
            error.span(),
            format!("`{name}` takes a parameter name: `{name} = epoch`"),
        )
    })?;
    Ok(ident)
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
