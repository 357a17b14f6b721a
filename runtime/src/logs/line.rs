//! A captured log line, and how raw console bytes become lines.
//!
//! Polyaxon stores one value per line, stripped, and drops empty ones
//! (`traceml/logging/schemas.py::V1Log.process_log_line`); its console writer splits each write
//! with Python's `splitlines`, so `\r` (a progress bar redrawing itself) ends a line as `\n`
//! does. [`LineSplitter`] does the same over a byte stream: bytes that are not UTF-8 become
//! U+FFFD, and a line longer than [`MAX_LINE`] bytes is cut into several.

use std::time::SystemTime;

/// The longest line kept whole, in bytes; a longer one is cut (on a character boundary) into
/// lines of at most this size, so a program that prints a huge blob cannot hold it all.
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// One line for the run's logs: when it was written and its text (stripped, never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// When the line was written (taken on the writing thread).
    pub(crate) at: SystemTime,
    /// The line, without surrounding whitespace.
    pub(crate) text: String,
}

impl Line {
    /// A line of `text`, stripped as Polyaxon strips it; `None` when nothing is left.
    pub(crate) fn new(at: SystemTime, text: &str) -> Option<Line> {
        let text = text.trim();
        (!text.is_empty()).then(|| Line {
            at,
            text: text.to_owned(),
        })
    }

    /// [`Line::new`] for a `String` the caller built, reusing its buffer when it needs no
    /// stripping.
    pub(crate) fn from_string(at: SystemTime, text: String) -> Option<Line> {
        if text.len() == text.trim().len() {
            (!text.is_empty()).then_some(Line { at, text })
        } else {
            Line::new(at, &text)
        }
    }
}

/// Whether `target` is polytrack's own (`polytrack`, `polytrack::worker`, ...): those records
/// never go into a run's logs, so a failure to record a line cannot feed itself.
pub(crate) fn is_own_target(target: &str) -> bool {
    match target.strip_prefix("polytrack") {
        Some(rest) => rest.is_empty() || rest.starts_with("::"),
        None => false,
    }
}

/// Splits a byte stream into lines, keeping the unfinished tail between calls.
#[derive(Debug, Default)]
pub(crate) struct LineSplitter {
    partial: Vec<u8>,
    /// The previous chunk ended with `\r`: a `\n` right after it ends no second line.
    after_cr: bool,
}

impl LineSplitter {
    /// Feeds `bytes`, calling `out` with each completed line (raw, not yet stripped).
    pub(crate) fn feed(&mut self, mut bytes: &[u8], out: &mut impl FnMut(&[u8])) {
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        while let Some(pos) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (line, rest) = bytes.split_at(pos);
            self.push(line, out);
            self.emit_partial(out);
            let crlf = rest.len() >= 2 && rest[0] == b'\r' && rest[1] == b'\n';
            if rest.len() == 1 && rest[0] == b'\r' {
                self.after_cr = true;
            }
            bytes = &rest[if crlf { 2 } else { 1 }..];
        }
        self.push(bytes, out);
    }

    /// Whether an unfinished line is waiting for its end.
    pub(crate) fn has_partial(&self) -> bool {
        !self.partial.is_empty()
    }

    /// Hands out the unfinished line as it is (at the end, or when it waited too long).
    pub(crate) fn finish(&mut self, out: &mut impl FnMut(&[u8])) {
        if !self.partial.is_empty() {
            self.emit_partial(out);
        }
    }

    /// Appends to the unfinished line, handing out [`MAX_LINE`]-sized pieces as it grows.
    fn push(&mut self, mut bytes: &[u8], out: &mut impl FnMut(&[u8])) {
        while self.partial.len() + bytes.len() > MAX_LINE {
            let room = MAX_LINE - self.partial.len();
            self.partial.extend_from_slice(&bytes[..room]);
            bytes = &bytes[room..];
            let cut = char_boundary(&self.partial);
            let tail = self.partial.split_off(cut);
            out(&self.partial);
            self.partial = tail;
        }
        self.partial.extend_from_slice(bytes);
    }

    fn emit_partial(&mut self, out: &mut impl FnMut(&[u8])) {
        out(&self.partial);
        self.partial.clear();
    }
}

/// The largest cut of `buf` that does not split a UTF-8 sequence at its end (`buf.len()` when
/// none is split, or when the bytes are not UTF-8 anyway).
fn char_boundary(buf: &[u8]) -> usize {
    let len = buf.len();
    // A sequence is at most 4 bytes: look at the last 3 for the lead byte of an unfinished one.
    for back in 1..=3.min(len) {
        let b = buf[len - back];
        if b & 0xC0 == 0x80 {
            continue; // a continuation byte: keep looking for its lead
        }
        let needed = match b {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return len,
        };
        return if needed > back { len - back } else { len };
    }
    len
}

/// The text of raw console bytes (U+FFFD for bytes that are not UTF-8).
pub(crate) fn text_of(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::default();
        let mut lines = Vec::new();
        for chunk in chunks {
            splitter.feed(chunk, &mut |l| lines.push(text_of(l).into_owned()));
        }
        splitter.finish(&mut |l| lines.push(text_of(l).into_owned()));
        lines
    }

    #[test]
    fn lines_end_at_newlines_and_carriage_returns_as_python_splitlines() {
        assert_eq!(
            split(&[b"a\nb\r\nc\rd"]),
            ["a", "b", "c", "d"],
            "\\r\\n is one end, \\r alone is one"
        );
        assert_eq!(
            split(&[b"a\r", b"\nb\n"]),
            ["a", "b"],
            "\\r\\n across chunks"
        );
        assert_eq!(split(&[b"a\r", b"\rb"]), ["a", "", "b"]);
    }

    #[test]
    fn a_line_split_across_writes_is_one_line() {
        assert_eq!(
            split(&[b"ep", b"och 1", b" done\nnext"]),
            ["epoch 1 done", "next"]
        );
    }

    #[test]
    fn long_lines_are_cut_on_character_boundaries() {
        // 'é' is 2 bytes: a run of them longer than MAX_LINE must not be cut inside one.
        let text = "é".repeat(MAX_LINE);
        let lines = split(&[text.as_bytes(), b"\n"]);
        assert_eq!(lines.concat(), text, "nothing lost or altered");
        assert!(lines.len() >= 2);
        assert!(lines.iter().all(|l| l.len() <= MAX_LINE));
        assert!(lines.iter().all(|l| !l.contains('\u{FFFD}')));
    }

    #[test]
    fn binary_bytes_become_replacement_characters() {
        let lines = split(&[b"ok \xff\xfe\x00 end\n"]);
        assert_eq!(lines, ["ok \u{FFFD}\u{FFFD}\u{0} end"]);
    }

    #[test]
    fn lines_are_stripped_and_empty_ones_dropped() {
        let now = SystemTime::now();
        assert_eq!(Line::new(now, "  \t "), None);
        assert_eq!(
            Line::new(now, "  x y \n").map(|l| l.text),
            Some("x y".into())
        );
        assert_eq!(
            Line::from_string(now, "kept".to_owned()).map(|l| l.text),
            Some("kept".into())
        );
    }

    #[test]
    fn own_targets_are_polytrack_and_its_modules_only() {
        assert!(is_own_target("polytrack"));
        assert!(is_own_target("polytrack::worker"));
        assert!(!is_own_target("polytrack_demo"));
        assert!(!is_own_target("train"));
    }

    #[test]
    fn char_boundary_backs_off_an_unfinished_sequence() {
        assert_eq!(char_boundary("aé".as_bytes()), 3);
        assert_eq!(char_boundary(&"aé".as_bytes()[..2]), 1);
        assert_eq!(char_boundary(&"a€".as_bytes()[..3]), 1);
        assert_eq!(char_boundary(b"\xff\xff"), 2);
    }
}
