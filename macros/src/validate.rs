//! Checks the options against the function they annotate, and decides what is logged.

use crate::attr::{Args, Kind};
use crate::ctxt::Ctxt;
use crate::func::{unraw, Func};
use syn::{Ident, LitStr};

/// One argument binding to log: the expansion reads `ident` and logs it under `key`.
pub(crate) struct Input {
    pub(crate) ident: Ident,
    pub(crate) key: String,
    pub(crate) layout: Layout,
}

/// How an argument that serializes to a map (a struct) is logged.
#[derive(Clone, Copy)]
pub(crate) enum Layout {
    /// Its fields, by their own names (the default).
    Fields,
    /// Its fields, each under `key__field` (it was renamed to `key`).
    Prefixed,
    /// As one value under `key` (`whole(..)`).
    Whole,
}

/// Checks `args` against `func` for `kind`'s attribute. Every mistake goes to `cx`; the
/// returned inputs are what is logged, with the faulty options left out.
pub(crate) fn check(cx: &mut Ctxt, kind: Kind, args: &Args, func: &Func) -> Vec<Input> {
    check_function(cx, kind, func);
    check_literals(cx, kind, args);
    check_names(cx, kind, args, func);
    check_conflicts(cx, kind, args);
    if kind == Kind::Metrics || args.skip_all.is_some() {
        return Vec::new();
    }
    for pat in &func.unnamed {
        cx.error_spanned_by(
            pat,
            format!(
                "`{}` has no name to log this argument under: bind it to a name \
                 (`name: Type`), or add `skip_all`",
                kind.attribute()
            ),
        );
    }
    func.bindings
        .iter()
        .filter(|binding| !contains(&args.skip, binding))
        .map(|binding| {
            let renamed = args
                .rename
                .iter()
                .find(|rename| unraw(&rename.from) == unraw(binding));
            let layout = if contains(&args.whole, binding) {
                Layout::Whole
            } else if renamed.is_some() {
                Layout::Prefixed
            } else {
                Layout::Fields
            };
            Input {
                ident: binding.clone(),
                key: renamed.map_or_else(|| unraw(binding), |rename| rename.to.value()),
                layout,
            }
        })
        .collect()
}

fn contains(idents: &[Ident], ident: &Ident) -> bool {
    idents
        .iter()
        .any(|candidate| unraw(candidate) == unraw(ident))
}

/// What the function itself must be.
fn check_function(cx: &mut Ctxt, kind: Kind, func: &Func) {
    let sig = &func.item.sig;
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(
            constness,
            format!(
                "`{}` cannot be applied to a `const fn`: tracking happens at run time; \
                 remove `const` or the attribute",
                kind.attribute()
            ),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(
            variadic,
            format!(
                "`{}` cannot be applied to a variadic function",
                kind.attribute()
            ),
        );
    }
    if kind == Kind::Metrics && func.never_returns() {
        cx.error_spanned_by(
            &sig.output,
            "`#[track_metrics]` logs what the function returns, and this one never returns: \
             return a struct of numbers (or a `Result` of one)",
        );
    }
    if kind == Kind::Metrics && func.return_type().is_none() {
        cx.error_spanned_by(
            &sig.ident,
            "`#[track_metrics]` logs what the function returns, and this one returns nothing: \
             return a struct of numbers (or a `Result` of one)",
        );
    }
}

/// Names, keys and tags must not be empty.
fn check_literals(cx: &mut Ctxt, kind: Kind, args: &Args) {
    let named = [
        ("name", &args.name),
        ("project", &args.project),
        ("prefix", &args.prefix),
        ("outputs", &args.outputs),
    ];
    for (option, lit) in named {
        if let Some(lit) = lit {
            non_empty(cx, kind, option, lit);
        }
    }
    for lit in args.tags.iter().flatten() {
        non_empty(cx, kind, "tags", lit);
    }
    for rename in &args.rename {
        non_empty(cx, kind, "rename", &rename.to);
    }
}

fn non_empty(cx: &mut Ctxt, kind: Kind, option: &str, lit: &LitStr) {
    if lit.value().trim().is_empty() {
        cx.error_spanned_by(
            lit,
            format!("`{option}` in `{}` must not be empty", kind.attribute()),
        );
    }
}

/// Every parameter an option names must exist, once.
fn check_names(cx: &mut Ctxt, kind: Kind, args: &Args, func: &Func) {
    let has_receiver = func.item.sig.receiver().is_some();
    let mut check = |option: &str, ident: &Ident, allow_self: bool| {
        if allow_self && has_receiver && ident == "self" {
            return;
        }
        if func.binding(ident).is_none() {
            cx.error_spanned_by(
                ident,
                format!(
                    "`{option}` in `{}` names `{}`, but `{}` has no parameter of that name",
                    kind.attribute(),
                    unraw(ident),
                    func.name()
                ),
            );
        }
    };
    for ident in &args.skip {
        check("skip", ident, true);
    }
    for ident in &args.whole {
        check("whole", ident, false);
    }
    for rename in &args.rename {
        check("rename", &rename.from, false);
    }
    if let Some(step) = &args.step {
        check("step", step, false);
    }
    let lists: [(&str, Vec<&Ident>); 3] = [
        ("skip", args.skip.iter().collect()),
        ("whole", args.whole.iter().collect()),
        (
            "rename",
            args.rename.iter().map(|rename| &rename.from).collect(),
        ),
    ];
    for (option, idents) in lists {
        for (index, ident) in idents.iter().enumerate() {
            if idents[..index]
                .iter()
                .any(|earlier| unraw(earlier) == unraw(ident))
            {
                cx.error_spanned_by(ident, format!("`{option}` names `{}` twice", unraw(ident)));
            }
        }
    }
}

/// Options that contradict each other.
fn check_conflicts(cx: &mut Ctxt, kind: Kind, args: &Args) {
    let attribute = kind.attribute();
    if args.skip_all.is_some() {
        let pointless = args
            .skip
            .iter()
            .map(|ident| ("skip", ident))
            .chain(args.whole.iter().map(|ident| ("whole", ident)))
            .chain(args.rename.iter().map(|rename| ("rename", &rename.from)));
        for (option, ident) in pointless {
            cx.error_spanned_by(
                ident,
                format!(
                    "`{option}` has no effect with `skip_all` in `{attribute}`: \
                     `skip_all` already skips every argument; remove one of them"
                ),
            );
        }
    }
    for ident in args
        .whole
        .iter()
        .chain(args.rename.iter().map(|rename| &rename.from))
    {
        if contains(&args.skip, ident) {
            cx.error_spanned_by(
                ident,
                format!(
                    "`{}` is skipped, so it is not logged at all; remove it from `skip` \
                     or from this option",
                    unraw(ident)
                ),
            );
        }
    }
    if let (Some(outputs), Some(_)) = (&args.outputs, args.skip_ret) {
        cx.error_spanned_by(
            outputs,
            "`outputs` names the returned value, which `skip_ret` does not log; remove one",
        );
    }
}
