//! Buffered files of whole rows, with a bounded number of open descriptors.
//!
//! Rows are buffered per file and appended to the OS in large writes. Two promises hold
//! whatever a run logs:
//!
//! - **Bounded descriptors.** At most `max_open` files ([`open_files_budget`] by default: a
//!   quarter of the process's soft `RLIMIT_NOFILE`, between 16 and 256) are open at any time:
//!   the least recently written one is closed when another must open, and files stay open
//!   between flushes within that budget. When the process itself runs out of
//!   descriptors (the training holds the rest), every handle is given back before one retry,
//!   so tracking never starves the training.
//! - **Whole rows.** A write that fails part-way (a full disk) is cut back to the file's last
//!   whole row; its rows stay buffered and are retried at the next flush. Rows are dropped only
//!   when failures last so long that the buffers would exceed [`MAX_BUFFER`]: then they are
//!   counted, logged, and reported at the end of the run.

use crate::error::Error;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Rows are written to the OS once a file's buffer holds this many bytes, once the buffers of
/// all files together hold `TOTAL_THRESHOLD`, or at each flush. The writer's memory for rows
/// is so bounded whatever the number of files: `TOTAL_THRESHOLD`, plus `KEEP_CAPACITY` per
/// file of capacity kept between writes.
const WRITE_THRESHOLD: usize = 64 * 1024;
const TOTAL_THRESHOLD: usize = 4 * 1024 * 1024;
const KEEP_CAPACITY: usize = 4 * 1024;
/// While writes fail, rows are kept (and writing retried at each flush) up to this many bytes
/// in all; beyond it they are dropped, counted and reported.
pub(crate) const MAX_BUFFER: usize = 16 * 1024 * 1024;
/// The most files open at once, whatever the descriptor limit.
pub(crate) const MAX_OPEN_FILES: usize = 256;
/// The fewest files kept open at once, however low the descriptor limit.
const MIN_OPEN_FILES: usize = 16;
/// The budget when the descriptor limit cannot be read.
#[cfg(not(unix))]
const FALLBACK_OPEN_FILES: usize = 64;

/// The most event files a run keeps open at once: a quarter of the process's soft limit on
/// open descriptors (`ulimit -n`), between 16 and [`MAX_OPEN_FILES`]; 64 where the limit
/// cannot be read. Under the common limit of 1,024 a run keeps 256 files open (so 100 metrics
/// are each opened once); under `ulimit -n 256`, 64.
pub(crate) fn open_files_budget() -> usize {
    #[cfg(unix)]
    {
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
        match limit.current {
            Some(soft) => usize::try_from(soft / 4)
                .unwrap_or(MAX_OPEN_FILES)
                .clamp(MIN_OPEN_FILES, MAX_OPEN_FILES),
            None => MAX_OPEN_FILES,
        }
    }
    #[cfg(not(unix))]
    {
        FALLBACK_OPEN_FILES
    }
}

/// An open file of rows: appended to, and cut back after a failed write.
pub(crate) trait Appender: Send {
    /// Appends part of `buf`, as [`Write::write`].
    fn append(&mut self, buf: &[u8]) -> io::Result<usize>;
    /// Truncates the file to `len` bytes.
    fn cut(&mut self, len: u64) -> io::Result<()>;
    /// The file's length.
    fn size(&mut self) -> io::Result<u64>;
}

impl Appender for File {
    fn append(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write(buf)
    }

    fn cut(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)
    }

    fn size(&mut self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }
}

/// Opens a file of rows for appending, writing its header first when it is new or empty.
pub(crate) type Opener = fn(&Path, &[u8]) -> Result<Box<dyn Appender>, Error>;

/// Opens a file of rows for appending, writing `header` first when it is new or empty (a
/// header that cannot be written whole is removed again).
pub(crate) fn open_row_file(path: &Path, header: &[u8]) -> Result<File, Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io(format!("cannot stat {}", path.display()), e))?
        .len();
    if len == 0 && !header.is_empty() {
        if let Err(e) = file.write_all(header) {
            let _ = file.set_len(0);
            return Err(Error::io(format!("cannot write {}", path.display()), e));
        }
    }
    Ok(file)
}

fn open_file(path: &Path, header: &[u8]) -> Result<Box<dyn Appender>, Error> {
    Ok(Box::new(open_row_file(path, header)?))
}

struct RowFile {
    path: PathBuf,
    /// Written first into a new (empty) file.
    header: Vec<u8>,
    handle: Option<Box<dyn Appender>>,
    /// The file's length up to its last whole row, where a failed write cuts it back to.
    len: u64,
    /// Whole rows not yet written.
    buf: Vec<u8>,
    /// When it was last written (a tick of [`RowFiles::tick`]), for the least-recently-used set.
    last_used: u64,
}

/// What became of the rows, for the end of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct RowStats {
    /// Files opened over the run (each reopening counts).
    pub opened: u64,
    /// Files open now.
    pub open: usize,
    /// Failed writes cut back to the last whole row.
    pub cut_back: u64,
    /// Rows dropped after failures lasted beyond [`MAX_BUFFER`].
    pub dropped_rows: u64,
    /// Bytes of rows still buffered.
    pub pending_bytes: usize,
}

/// Files of whole rows, their buffers and their open handles.
pub(crate) struct RowFiles {
    files: Vec<RowFile>,
    /// Indexes of the files open now (at most `max_open`).
    open: Vec<u32>,
    max_open: usize,
    opener: Opener,
    tick: u64,
    /// Bytes of rows in all buffers.
    buffered: usize,
    /// Whether the last write failed: rows are then only buffered until the next flush.
    failing: bool,
    stats: RowStats,
}

impl RowFiles {
    /// Files written to disk, at most `max_open` open at once.
    pub(crate) fn new(max_open: usize) -> Self {
        Self::with_opener(max_open, open_file)
    }

    /// Files opened with `opener` (tests inject failing disks here).
    pub(crate) fn with_opener(max_open: usize, opener: Opener) -> Self {
        RowFiles {
            files: Vec::new(),
            open: Vec::new(),
            max_open: max_open.max(1),
            opener,
            tick: 0,
            buffered: 0,
            failing: false,
            stats: RowStats::default(),
        }
    }

    /// Registers a file (nothing is opened yet); returns its index.
    pub(crate) fn add(&mut self, path: PathBuf, header: Vec<u8>) -> u32 {
        self.files.push(RowFile {
            path,
            header,
            handle: None,
            len: 0,
            buf: Vec::new(),
            last_used: 0,
        });
        (self.files.len() - 1) as u32
    }

    /// Appends rows to file `idx` with `write` (which must append whole rows, each starting
    /// with `\n`), and writes buffers out when they are big enough.
    pub(crate) fn append(
        &mut self,
        idx: u32,
        write: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), Error> {
        let file = &mut self.files[idx as usize];
        let before = file.buf.len();
        write(&mut file.buf);
        let len = file.buf.len();
        self.buffered += len - before;
        if self.failing {
            // Retried at the next flush, not at every row.
            self.bound_memory();
            return Ok(());
        }
        if len >= WRITE_THRESHOLD {
            if let Err(e) = self.write_file(idx) {
                self.failing = true;
                return Err(e);
            }
        }
        if self.buffered >= TOTAL_THRESHOLD {
            self.write_all()?;
        }
        Ok(())
    }

    /// Writes out every buffer; while failures last, drops the rows kept beyond `MAX_BUFFER`.
    pub(crate) fn write_all(&mut self) -> Result<(), Error> {
        let mut first_error = None;
        for idx in 0..self.files.len() as u32 {
            if let Err(e) = self.write_file(idx) {
                first_error.get_or_insert(e);
            }
        }
        self.failing = first_error.is_some();
        self.bound_memory();
        first_error.map_or(Ok(()), Err)
    }

    /// Closes every file (the end-of-run summaries read them next).
    pub(crate) fn close_all(&mut self) {
        for idx in std::mem::take(&mut self.open) {
            self.files[idx as usize].handle = None;
        }
    }

    /// What became of the rows so far.
    pub(crate) fn stats(&self) -> RowStats {
        RowStats {
            open: self.open.len(),
            pending_bytes: self.buffered,
            ..self.stats
        }
    }

    /// While writes fail, keeps the buffers under `MAX_BUFFER` by dropping (and counting) rows.
    fn bound_memory(&mut self) {
        if !(self.failing && self.buffered > MAX_BUFFER) {
            return;
        }
        let mut dropped = 0;
        for file in &mut self.files {
            dropped += file.buf.iter().filter(|b| **b == b'\n').count() as u64;
            file.buf = Vec::new();
        }
        self.buffered = 0;
        self.stats.dropped_rows += dropped;
        log::error!(
            target: "polytrack",
            "writing event files keeps failing: dropped {dropped} buffered rows ({} in all)",
            self.stats.dropped_rows
        );
    }

    /// Appends file `idx`'s buffer to it, opening it (within the budget) if needed. Rows are
    /// written whole or not at all: a write that fails part-way is cut back.
    fn write_file(&mut self, idx: u32) -> Result<(), Error> {
        if self.files[idx as usize].buf.is_empty() {
            return Ok(());
        }
        if self.files[idx as usize].handle.is_none() {
            self.open_file(idx)?;
        }
        self.tick += 1;
        let file = &mut self.files[idx as usize];
        file.last_used = self.tick;
        let Some(handle) = file.handle.as_mut() else {
            return Ok(());
        };
        let (written, result) = write_fully(handle.as_mut(), &file.buf);
        let Err(e) = result else {
            file.len += written as u64;
            self.buffered -= file.buf.len();
            file.buf.clear();
            file.buf.shrink_to(KEEP_CAPACITY);
            return Ok(());
        };
        if written > 0 {
            match handle.cut(file.len) {
                Ok(()) => self.stats.cut_back += 1,
                Err(cut) => {
                    // The file keeps a part of a row; the rest follows at the next write,
                    // which completes it.
                    log::error!(
                        target: "polytrack",
                        "cannot cut {} back to its last whole row: {cut}",
                        file.path.display()
                    );
                    file.len += written as u64;
                    file.buf.drain(..written);
                    self.buffered -= written;
                }
            }
        }
        Err(Error::io(
            format!("cannot append to {}", file.path.display()),
            e,
        ))
    }

    /// Opens file `idx`, closing the least recently written one when the budget is spent.
    fn open_file(&mut self, idx: u32) -> Result<(), Error> {
        while self.open.len() >= self.max_open {
            self.close_least_recent();
        }
        let opener = self.opener;
        let file = &self.files[idx as usize];
        let mut handle = match opener(&file.path, &file.header) {
            Ok(handle) => handle,
            Err(Error::Io { source, .. }) if is_out_of_descriptors(&source) => {
                // The process is at its limit: give ours back and try once more.
                log::warn!(
                    target: "polytrack",
                    "the process is out of file descriptors: closing the {} event files \
                     polytrack holds",
                    self.open.len()
                );
                self.close_all();
                let file = &self.files[idx as usize];
                opener(&file.path, &file.header)?
            }
            Err(e) => return Err(e),
        };
        let file = &mut self.files[idx as usize];
        file.len = handle
            .size()
            .map_err(|e| Error::io(format!("cannot stat {}", file.path.display()), e))?;
        file.handle = Some(handle);
        self.open.push(idx);
        self.stats.opened += 1;
        Ok(())
    }

    fn close_least_recent(&mut self) {
        let files = &self.files;
        let Some(pos) =
            (0..self.open.len()).min_by_key(|&p| files[self.open[p] as usize].last_used)
        else {
            return;
        };
        let idx = self.open.swap_remove(pos);
        self.files[idx as usize].handle = None;
    }
}

/// Writes all of `buf`; returns how many bytes were written, also on failure.
fn write_fully(file: &mut dyn Appender, buf: &[u8]) -> (usize, io::Result<()>) {
    let mut written = 0;
    while written < buf.len() {
        match file.append(&buf[written..]) {
            Ok(0) => return (written, Err(io::Error::from(io::ErrorKind::WriteZero))),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (written, Err(e)),
        }
    }
    (written, Ok(()))
}

/// EMFILE or ENFILE.
fn is_out_of_descriptors(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23 | 24))
}

#[cfg(test)]
#[path = "row_files_tests.rs"]
mod tests;
