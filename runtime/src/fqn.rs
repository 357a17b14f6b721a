//! Polyaxon's name sanitization (`polyaxon/_utils/fqn_utils.py::to_fqn_name`).
//!
//! Python:
//!
//! ```python
//! value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
//! value = re.sub(r"[^\w\\\/\.\s-]", "", value).strip()
//! value = re.sub(r"[\\\/]+", "__", value)
//! value = re.sub(r"[-\.\s]+", "-", value)
//! ```
//!
//! After the ASCII step, `\w` is `[A-Za-z0-9_]` and both `\s` and `str.strip()` match the
//! ASCII whitespace `\t \n \x0b \x0c \r \x1c \x1d \x1e \x1f` and space. Trimming happens before
//! the two replacements, so a leading or trailing `-`, `.`, `/` or `\` survives (as `-` or `__`).

use unicode_normalization::UnicodeNormalization;

/// Polyaxon's `to_fqn_name`: NFKD-normalizes, drops non-ASCII, keeps `[A-Za-z0-9_/\\.\-]` and
/// whitespace, trims whitespace, replaces runs of `/`/`\` with `__` and runs of `-`, `.` or
/// whitespace with `-`.
///
/// Returns `None` when the result is empty. (Python raises `ValueError` for an empty input but
/// returns `""` for an input that sanitizes to nothing, e.g. `"@@"`; callers decide what to do.)
///
/// Names that are already canonical (non-empty, only `[A-Za-z0-9_-]`, no `--`) are returned
/// unchanged after a single byte scan.
///
/// Examples: `train/loss` → `train__loss`, `val.acc` → `val-acc`, `a b` → `a-b`, `ünï` → `uni`,
/// `loss@1` → `loss1`, `a..b` → `a-b`.
pub fn to_fqn_name(name: &str) -> Option<String> {
    if is_canonical(name) {
        return Some(name.to_owned());
    }
    if name.is_ascii() {
        sanitize(name.chars())
    } else {
        sanitize(name.nfkd().filter(char::is_ascii))
    }
}

/// Whether `to_fqn_name(name) == name` can be decided by a byte scan: non-empty, only
/// `[A-Za-z0-9_-]` and no two consecutive `-`.
fn is_canonical(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut prev_dash = false;
    for &b in bytes {
        let dash = b == b'-';
        if !(dash || b == b'_' || b.is_ascii_alphanumeric()) || (dash && prev_dash) {
            return false;
        }
        prev_dash = dash;
    }
    true
}

/// Python's `\s` / `str.isspace()` restricted to ASCII.
fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\x1c' | '\x1d' | '\x1e' | '\x1f' | ' '
    )
}

/// Character classes of the two replacement passes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// `[A-Za-z0-9_]`: copied as is.
    Word,
    /// `/` or `\`: a run becomes `__`.
    Slash,
    /// `-`, `.` or whitespace: a run becomes `-`.
    Dash,
}

/// Runs the filter, trim and replacement steps on an ASCII character stream.
fn sanitize(chars: impl Iterator<Item = char>) -> Option<String> {
    // Step 1: keep [\w\\/.\s-]; the other ASCII characters are removed.
    let kept: Vec<(char, Class)> = chars
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                Some((c, Class::Word))
            } else if c == '/' || c == '\\' {
                Some((c, Class::Slash))
            } else if c == '-' || c == '.' || is_py_space(c) {
                Some((c, Class::Dash))
            } else {
                None
            }
        })
        .collect();
    // Step 2: strip whitespace (only whitespace, not '-' or '.') at both ends.
    let start = kept.iter().position(|&(c, _)| !is_py_space(c))?;
    let end = kept.iter().rposition(|&(c, _)| !is_py_space(c))? + 1;
    // Steps 3 and 4: the classes are disjoint, so both run replacements can be done in one pass.
    let mut out = String::with_capacity(end - start + 2);
    let mut prev: Option<Class> = None;
    for &(c, class) in &kept[start..end] {
        match class {
            Class::Word => out.push(c),
            Class::Slash if prev != Some(Class::Slash) => out.push_str("__"),
            Class::Dash if prev != Some(Class::Dash) => out.push('-'),
            _ => {}
        }
        prev = Some(class);
    }
    if out.is_empty() {
        None
    } else {
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_examples() {
        assert_eq!(to_fqn_name("train/loss").as_deref(), Some("train__loss"));
        assert_eq!(to_fqn_name("val.acc").as_deref(), Some("val-acc"));
        assert_eq!(to_fqn_name("a b").as_deref(), Some("a-b"));
        assert_eq!(to_fqn_name("ünï").as_deref(), Some("uni"));
        assert_eq!(to_fqn_name("loss@1").as_deref(), Some("loss1"));
        assert_eq!(to_fqn_name("a..b").as_deref(), Some("a-b"));
        assert_eq!(to_fqn_name("my.param").as_deref(), Some("my-param"));
        assert_eq!(to_fqn_name(""), None);
        assert_eq!(to_fqn_name("@@"), None);
        assert_eq!(to_fqn_name("   "), None);
    }

    #[test]
    fn fast_path_agrees_with_slow_path() {
        for name in ["loss", "a-b", "-a", "a-", "_", "A_b-9", "x"] {
            assert!(is_canonical(name));
            assert_eq!(sanitize(name.chars()).as_deref(), Some(name));
        }
        for name in ["a--b", "a.b", "a b", "", "a/b", "é"] {
            assert!(!is_canonical(name));
        }
    }

    #[test]
    fn matches_python_table() {
        for &(input, want) in PY_FQN {
            let got = to_fqn_name(input);
            let want = if want.is_empty() { None } else { Some(want) };
            assert_eq!(got.as_deref(), want, "to_fqn_name({input:?})");
        }
    }

    /// `(input, to_fqn_name(input))` from Polyaxon 2.18.0's function on CPython 3.11 (`""` = empty).
    #[rustfmt::skip]
    const PY_FQN: &[(&str, &str)] = &[
        ("train/loss", "train__loss"),
        ("val.acc", "val-acc"),
        ("a b", "a-b"),
        ("\u{fc}n\u{ef}", "uni"),
        ("loss@1", "loss1"),
        ("a..b", "a-b"),
        ("my.param", "my-param"),
        ("loss", "loss"),
        ("a-b", "a-b"),
        ("--a--", "-a-"),
        ("a--b", "a-b"),
        ("-a", "-a"),
        ("a-", "a-"),
        ("_", "_"),
        ("__a__", "__a__"),
        (" a ", "a"),
        ("\ta\n", "a"),
        ("a\\b", "a__b"),
        ("a\\\\/b", "a__b"),
        ("a/./b", "a__-__b"),
        ("a / b", "a-__-b"),
        ("a - b", "a-b"),
        ("a.-.b", "a-b"),
        (". a .", "-a-"),
        ("/a/", "__a__"),
        ("\\", "__"),
        ("/", "__"),
        ("-", "-"),
        (".", "-"),
        (" - ", "-"),
        ("a\x0bb", "a-b"),
        ("a\x0cb", "a-b"),
        ("a\rb", "a-b"),
        ("a\x1cb", "a-b"),
        ("a\x1fb", "a-b"),
        ("\x1ca\x1d", "a"),
        ("a\x00b", "ab"),
        ("a\x7fb", "ab"),
        ("a|b", "ab"),
        ("a:b", "ab"),
        ("a,b;c", "abc"),
        ("(x)[y]{z}", "xyz"),
        ("\u{ff21}\u{ff42}\u{ff43}\u{ff11}\u{ff12}\u{ff13}", "Abc123"),
        ("\u{fb01}le", "file"),
        ("\u{2460}\u{2461}", "12"),
        ("x\u{b2}", "x2"),
        ("\u{1e9e}", ""),
        ("\u{df}", ""),
        ("\u{c6}sir", "sir"),
        ("na\u{ef}ve caf\u{e9}", "naive-cafe"),
        ("\u{395}\u{3bb}\u{3bb}\u{3b7}\u{3bd}\u{3b9}\u{3ba}\u{3ac}", ""),
        ("\u{65e5}\u{672c}\u{8a9e}", ""),
        ("emoji\u{1f600}x", "emojix"),
        ("tab\tand\nnewline", "tab-and-newline"),
        ("e\u{301}", "e"),
        ("\u{c5}", "A"),
        ("\u{1c6}", "dz"),
        ("\u{2122}", "TM"),
        ("\u{bd}", "12"),
        ("\u{2026}", "-"),
        ("a\u{a0}b", "a-b"),
        ("a\u{2003}b", "a-b"),
        ("a\u{3000}b", "a-b"),
        ("\u{a0}a\u{a0}", "a"),
        ("a\u{2028}b", "ab"),
        ("a\u{85}b", "ab"),
        ("Loss/Train Step.1", "Loss__Train-Step-1"),
        ("metrics/accuracy@top-5", "metrics__accuracytop-5"),
        ("ROC AUC (val)", "ROC-AUC-val"),
        ("lr_schedule.warmup", "lr_schedule-warmup"),
        ("  leading", "leading"),
        ("trailing  ", "trailing"),
        ("a_-_b", "a_-_b"),
        ("a-_-b", "a-_-b"),
        ("__--__", "__-__"),
        ("xxxxx", "xxxxx"),
        ("0", "0"),
        ("9.5", "9-5"),
        ("1e-5", "1e-5"),
        ("a\u{200b}b", "ab"),
        ("\u{ff46}\u{ff55}\u{ff4c}\u{ff4c}\u{ff0d}\u{ff57}\u{ff49}\u{ff44}\u{ff54}\u{ff48}\u{ff0e}\u{ff44}\u{ff4f}\u{ff54}", "full-width-dot"),
        ("a\u{2010}b", "ab"),
        ("a\u{2212}b", "ab"),
        ("a\u{ff0f}b", "a__b"),
        ("a\u{ff3c}b", "a__b"),
        ("\u{2103}", "C"),
        ("\u{338f}", "kg"),
        ("\u{2177}", "viii"),
        ("\u{216b}", "XII"),
        ("\u{fb00}", "ff"),
        ("\u{149}", "n"),
        ("\u{17f}", "s"),
        ("\u{132}", "IJ"),
        ("\u{1c5}", "Dz"),
        ("\u{3c2}", ""),
        ("\u{b0}", ""),
        ("\u{b5}", ""),
        ("\u{aa}", "a"),
        ("\u{ba}", "o"),
        ("\u{feff}bom", "bom"),
        ("zero\u{200d}width", "zerowidth"),
        ("q\u{327}", "q"),
        ("\u{1e0d}\u{307}", "d"),
        ("\\/Y.", "__Y-"),
        ("\x0b#\\c@a\u{ff21}\x0b9/", "__caA-9__"),
        ("0\u{e9}\x0b/", "0e-__"),
        ("\x0b #\u{ff11}Y1#Y\u{ff11}", "1Y1Y1"),
        (" \u{20ac}a!\u{fc}cZ\u{fc}\\", "aucZu__"),
        ("_", "_"),
        ("\u{ff21}", "A"),
        ("\x0b@\u{20ac}\u{fb01} ", "fi"),
        (" \u{20ac}\u{a0}\\\nY\u{fb01}", "__-Yfi"),
        ("XbY\x0b09", "XbY-09"),
        ("\u{fc}#\u{ff11}_\t\x1c\u{ff21}", "u1_-A"),
        ("\\./\\\t\\1", "__-__-__1"),
        ("!a\u{ff11}9@!", "a19"),
        ("\u{e9}\u{ff11}-", "e1-"),
        ("\u{fb01}\\\\X\u{e9}#0#\u{ff21}", "fi__Xe0A"),
        ("9_Xc\x0b\u{ff11}#\x0bc.", "9_Xc-1-c-"),
        ("\t\u{fb01}", "fi"),
        ("a_\t", "a_"),
        ("\u{ff11}Xb@@\u{fc}b", "1Xbub"),
        ("\u{e9}\\-/\u{fb01}9\x1c", "e__-__fi9"),
        ("b_ac", "b_ac"),
        ("@/", "__"),
        ("0", "0"),
        ("_@9Y\u{e9}b\u{ff11}", "_9Yeb1"),
        ("-.Y\u{fb01}\u{ff11} ", "-Yfi1"),
        ("\n\u{ff11}\x1c #\u{ff11}@", "1-1"),
        ("X@\u{a0}\x1c9\t#\u{20ac}\u{e9}", "X-9-e"),
        ("_\t9\x1c", "_-9"),
        ("/-a\u{a0}\t", "__-a"),
        ("-a @\\#Yb##", "-a-__Yb"),
        ("\n.!.@\u{e9}", "-e"),
        ("\u{20ac}\x0ba\\b", "a__b"),
        (".", "-"),
        ("#\n_\\@", "___"),
        ("Z.Z-\u{fc}.", "Z-Z-u-"),
        ("9_\u{a0} X\u{fc}\u{ff21}a\\!", "9_-XuAa__"),
        ("_\x1c1", "_-1"),
        ("1-Z!\t", "1-Z"),
        ("X@", "X"),
        ("-!\u{ff21}1\n\u{a0}", "-A1"),
        ("c-\u{20ac}", "c-"),
        ("\u{fb01}\\\n9", "fi__-9"),
        ("\u{a0}Xb\x1c", "Xb"),
        ("-\u{a0}\u{ff21}\u{ff21}", "-AA"),
        ("Z\u{ff11}9-\u{a0}\u{ff21}#c\u{a0}@", "Z19-Ac"),
        ("\\Y\t_\x1c\u{a0}", "__Y-_"),
        ("\n.#\t_", "-_"),
        ("\\\tb\tY0a", "__-b-Y0a"),
        ("\u{ff21}\u{fb01}@\x1c\t/\u{e9}1", "Afi-__e1"),
        ("\u{20ac}", ""),
        ("\u{ff21}\u{fc}!\u{20ac}\x1c_/-", "Au-___-"),
        ("\u{ff11}c\u{ff11}\\", "1c1__"),
        ("X\u{a0}1bb", "X-1bb"),
        ("0\u{fb01}\u{fb01}\u{fb01}\t\\ba\x0b", "0fififi-__ba"),
        ("Z\x1c", "Z"),
        ("1!a\x1c/", "1a-__"),
        ("b@X-Y9\u{ff11}", "bX-Y91"),
        ("\x0b\u{a0}\u{a0}b.10X/", "b-10X__"),
        ("Z1", "Z1"),
        ("\u{fb01}\u{a0}Y\u{ff21}a", "fi-YAa"),
        ("#\\\u{ff11} b\u{fc}91", "__1-bu91"),
        ("@\x1c\x1c\tb", "b"),
        ("-\u{fc}\u{ff21}a\u{ff11}b\u{fc}Y", "-uAa1buY"),
        ("X", "X"),
        ("c", "c"),
        ("b\u{ff11}\u{e9}c\x1c\x1c\x0b-", "b1ec-"),
        ("-c.", "-c-"),
        ("# \\_.90", "___-90"),
        ("\tXY/a\u{e9}", "XY__ae"),
        ("\u{a0}c\\Zb.\n", "c__Zb-"),
        ("#\u{a0}/ #\u{a0}b@\u{fb01}\t", "__-bfi"),
        (".", "-"),
        ("\u{fc}\u{e9}-\t\u{e9}\t\na", "ue-e-a"),
        ("0/9\u{e9}", "0__9e"),
        ("c\u{a0}\t1\tY\u{fb01}a-.", "c-1-Yfia-"),
        ("\u{a0}\u{ff11}9X\n\u{e9}X\u{ff21}\u{20ac}", "19X-eXA"),
        ("\u{a0} !X\u{20ac}-\\/X", "X-__X"),
        ("\u{e9}a\x0bY1\u{fc} b\x1cc", "ea-Y1u-b-c"),
        ("X!\u{fb01} Z\u{ff21}a-\u{ff21}\u{ff11}", "Xfi-ZAa-A1"),
        ("a\u{ff11}", "a1"),
        ("!\x0b", ""),
        ("\\_\u{a0}cb", "___-cb"),
        ("\x1c\x1c\u{e9}1X/\u{20ac}X/b", "e1X__X__b"),
        ("-\u{ff11}\\Z\u{ff21}c1Z#", "-1__ZAc1Z"),
        ("\n@\u{e9}\u{fc}", "eu"),
        ("9.@ ./\t", "9-__"),
        (" \x1c", ""),
        ("\t\u{ff21}\u{20ac}Z", "AZ"),
        ("\u{e9}\\\u{fc}\\!\x1c!", "e__u__"),
        ("Y# \u{fb01}\u{fb01}YZX", "Y-fifiYZX"),
        ("\u{20ac}\x0b\u{e9}\x1c\n\\\u{20ac}\u{ff11}", "e-__1"),
        ("Y9\u{fc}", "Y9u"),
        ("Y\\\x1c-", "Y__-"),
        ("\u{ff11}\u{e9}/\u{fc}", "1e__u"),
        ("!\u{e9}\u{ff11}\t@", "e1"),
        ("\\9\u{fb01}0_a9\x0b\u{a0} ", "__9fi0_a9"),
        ("Z\\.1", "Z__-1"),
        ("\x0b\u{fc}\u{ff11}Y\t\u{e9}", "u1Y-e"),
        ("\u{e9}@0\n\\\u{ff21}\u{fb01}\u{ff21}", "e0-__AfiA"),
        ("a\x0b\u{20ac}c\u{ff11} \u{a0}\u{20ac}\u{fb01}", "a-c1-fi"),
        ("\n", ""),
        ("\u{fb01}1#\u{e9}", "fi1e"),
        ("0\u{ff11}", "01"),
        ("1\u{fb01}0\u{fc}9", "1fi0u9"),
        ("Z@\u{e9}", "Ze"),
        ("\u{fb01}", "fi"),
        ("Z\u{ff11}b-Z", "Z1b-Z"),
        ("c\u{20ac}\u{a0}cXc9", "c-cXc9"),
        ("b.\n\\\u{20ac}", "b-__"),
        ("aa--\t ", "aa-"),
        ("c0#\\\u{20ac}\x0b Y", "c0__-Y"),
        ("-X\u{fb01}9c!\tX\n", "-Xfi9c-X"),
        ("9X\x1c\u{e9}.!\u{fc}.\u{fc}", "9X-e-u-u"),
        ("_!!!#\u{a0}\u{ff21}9", "_-A9"),
        ("\u{fc}-", "u-"),
        ("/\x1cX!\x0b\x1c.b\u{e9}_", "__-X-be_"),
        ("\u{20ac}Z##\u{20ac}#YZ.\u{fb01}", "ZYZ-fi"),
        ("XX/Y-#\u{20ac}#", "XX__Y-"),
        ("\t/_#Z\n\x0b_\u{a0}Z", "___Z-_-Z"),
        ("X\u{e9}", "Xe"),
        ("\u{fc}//", "u__"),
        ("\u{20ac} .X99 b\u{ff11}Y", "-X99-b1Y"),
        ("\x0b", ""),
        ("91\u{e9}\u{fc}\x1c.\u{fb01}- ", "91eu-fi-"),
        ("/\u{a0}\u{fc}c.\x0b\u{ff11}X", "__-uc-1X"),
        ("9\\X", "9__X"),
        ("\\\u{fc}", "__u"),
        ("Z\u{e9}", "Ze"),
        ("\\\t!\u{20ac}", "__"),
        ("\u{ff21}\u{20ac}Y\\@Y\u{ff11}", "AY__Y1"),
        ("\u{a0}0/\x1cZ\\Z", "0__-Z__Z"),
        ("\u{ff11}9.\u{a0}", "19-"),
        ("a\u{ff21}\u{a0}\n\u{fb01}", "aA-fi"),
        ("\u{ff21} -/\u{fb01}\\_", "A-__fi___"),
        ("\x1c!\u{e9}_\u{fb01}\u{ff11}!\x0b", "e_fi1"),
        ("@", ""),
        ("\u{20ac}#aX", "aX"),
        ("\x0bZ\x1c#", "Z"),
        ("00\u{a0}\x1c0b\u{ff21}\x1c", "00-0bA"),
        ("X\\_!\u{fb01}YY\n", "X___fiYY"),
        ("@b", "b"),
        (".", "-"),
        ("1\x1cc\x0b/a---\u{ff11}", "1-c-__a-1"),
        ("\u{e9}\u{e9}Yc\u{ff11}\u{ff21}", "eeYc1A"),
        ("\u{fc}b\u{e9}c\u{20ac}-\u{a0}0c\u{ff11}", "ubec-0c1"),
        ("\t\u{e9}\u{fc}1", "eu1"),
        ("-X\u{a0}b\tc\u{ff11}0", "-X-b-c10"),
        (" \x0b\x0b", ""),
        ("/\u{ff11}", "__1"),
        ("0#\x0b_a\n\n", "0-_a"),
        ("\nZ\n\u{fb01}b\u{20ac}9", "Z-fib9"),
        ("\u{ff11}.\n\x1c.@", "1-"),
        ("1a\u{a0}09\u{a0}.", "1a-09-"),
        ("\u{ff11}\n/", "1-__"),
        ("Z0aZ", "Z0aZ"),
        (" \x1cZ#aYX@Z\n", "ZaYXZ"),
        ("Zb\u{ff21}a \n-\t", "ZbAa-"),
        ("\u{e9}", "e"),
        ("1", "1"),
        ("b \x0ba\u{fb01}11", "b-afi11"),
        (" \x0b", ""),
        ("Z-@X", "Z-X"),
        ("X@b\u{a0}\u{20ac}_", "Xb-_"),
        ("\u{a0}\n\u{a0}_\x0b", "_"),
        ("/9a\u{ff21}", "__9aA"),
        ("#.-cb!", "-cb"),
        ("c\\@aXa!", "c__aXa"),
        ("aZ", "aZ"),
        ("b\x0bb0#\x1c\u{fb01}-0", "b-b0-fi-0"),
        ("-\u{a0}\x0b.!b _", "-b-_"),
        ("# c_Z\u{ff11}\tX\x1c ", "c_Z1-X"),
        ("-/!\u{fc} Z\u{ff21}\u{20ac}\u{ff11}", "-__u-ZA1"),
        ("\u{ff21}/.Z.\u{a0}\t", "A__-Z-"),
        ("1\n\u{fc}\u{e9}\x0b.9\u{ff21}", "1-ue-9A"),
        ("\x1c\u{20ac}\u{fc}", "u"),
        ("\u{e9}\u{e9} \x0bbYZ\u{e9}\u{fc}a", "ee-bYZeua"),
        ("c\u{fc}\u{e9}!!X-1", "cueX-1"),
        ("\u{ff21}\u{a0}#b\u{fb01}@\u{ff11}b\n\n", "A-bfi1b"),
        (".ac0 \u{a0}", "-ac0"),
        ("-\\", "-__"),
        ("X\nc\u{ff21}#", "X-cA"),
        ("1\u{e9}bY", "1ebY"),
        ("\\aX", "__aX"),
        ("_01\u{ff11}", "_011"),
        ("\x1c\t\x1c\u{fc}@-\u{a0}\u{fb01}/", "u-fi__"),
        ("\nZ@c", "Zc"),
        ("\u{ff21}", "A"),
        ("@a", "a"),
        ("0\u{fb01}", "0fi"),
        ("cX\n 1", "cX-1"),
        ("X#\x0b\u{fc}!\u{ff11}\u{e9}. @", "X-u1e-"),
        ("\u{fc}X_\u{ff21}@\n\u{ff21} ", "uX_A-A"),
        ("X/a\n", "X__a"),
        ("\u{20ac}#c-.", "c-"),
        ("\x0b\u{fc}c/", "uc__"),
        ("\t\u{a0}#c@\x1c", "c"),
        ("1.\u{ff21}b", "1-Ab"),
        ("1\t\nc90", "1-c90"),
        ("Z\u{20ac}0\u{20ac}0\u{ff11}", "Z001"),
        ("\n\u{e9}/\u{ff11}\t.0\u{fb01}@\t", "e__1-0fi"),
    ];
}
