//! Row files on an injected disk that fills up and runs out of descriptors.

use super::*;
use std::cell::RefCell;
use std::collections::HashMap;

/// A disk in memory, per test thread: files, free bytes, and opens that fail with EMFILE.
#[derive(Default)]
struct Disk {
    files: HashMap<PathBuf, Vec<u8>>,
    free: usize,
    emfile: usize,
}

thread_local! {
    static DISK: RefCell<Disk> = RefCell::new(Disk::default());
}

fn disk<T>(f: impl FnOnce(&mut Disk) -> T) -> T {
    DISK.with(|d| f(&mut d.borrow_mut()))
}

fn no_space() -> io::Error {
    io::Error::from_raw_os_error(28) // ENOSPC
}

struct MemFile(PathBuf);

impl Appender for MemFile {
    fn append(&mut self, buf: &[u8]) -> io::Result<usize> {
        disk(|d| {
            let n = d.free.min(buf.len());
            if n == 0 && !buf.is_empty() {
                return Err(no_space());
            }
            d.files
                .entry(self.0.clone())
                .or_default()
                .extend_from_slice(&buf[..n]);
            d.free -= n;
            Ok(n)
        })
    }

    fn cut(&mut self, len: u64) -> io::Result<()> {
        disk(|d| {
            let file = d.files.entry(self.0.clone()).or_default();
            let len = len as usize;
            d.free += file.len().saturating_sub(len);
            file.truncate(len);
            Ok(())
        })
    }

    fn size(&mut self) -> io::Result<u64> {
        Ok(disk(|d| d.files.get(&self.0).map_or(0, Vec::len)) as u64)
    }
}

fn mem_open(path: &Path, header: &[u8]) -> Result<Box<dyn Appender>, Error> {
    disk(|d| {
        if d.emfile > 0 {
            d.emfile -= 1;
            return Err(Error::io("open", io::Error::from_raw_os_error(24)));
        }
        let file = d.files.entry(path.to_owned()).or_default();
        if file.is_empty() && !header.is_empty() {
            if d.free < header.len() {
                return Err(Error::io("header", no_space()));
            }
            file.extend_from_slice(header);
            d.free -= header.len();
        }
        Ok(())
    })?;
    Ok(Box::new(MemFile(path.to_owned())))
}

fn contents(path: &str) -> String {
    disk(|d| String::from_utf8(d.files.get(Path::new(path)).cloned().unwrap_or_default())).unwrap()
}

fn row(i: usize) -> String {
    format!("\n{i:06}|2026-11-26 03:37:34.111507+00:00|{i:06}.5")
}

/// Whether `text` is a header followed by whole rows `0..n` (for some n).
fn whole_rows(text: &str) -> usize {
    let mut lines = text.split('\n');
    assert_eq!(lines.next(), Some("step|timestamp|metric"), "{text:?}");
    let mut n = 0;
    for line in lines {
        assert_eq!(format!("\n{line}"), row(n), "a torn row in {text:?}");
        n += 1;
    }
    n
}

#[test]
fn a_full_disk_leaves_whole_rows_and_the_rest_is_written_later() {
    disk(|d| d.free = 21 + 100); // the header and 100 bytes: two rows (49 bytes each) and a bit
    let mut files = RowFiles::with_opener(4, mem_open);
    let idx = files.add("m.plx".into(), b"step|timestamp|metric".to_vec());
    files
        .append(idx, |buf| {
            for i in 0..3 {
                buf.extend_from_slice(row(i).as_bytes());
            }
        })
        .unwrap();
    assert!(files.write_all().is_err(), "the disk is full");
    assert_eq!(whole_rows(&contents("m.plx")), 0, "cut back to the header");
    assert_eq!(files.stats().cut_back, 1);

    // Written whole in a later flush, once there is room; rows appended meanwhile follow.
    files
        .append(idx, |buf| buf.extend_from_slice(row(3).as_bytes()))
        .unwrap();
    disk(|d| d.free = 1 << 20);
    files.write_all().unwrap();
    assert_eq!(whole_rows(&contents("m.plx")), 4);
    let stats = files.stats();
    assert_eq!((stats.dropped_rows, stats.pending_bytes), (0, 0));
}

#[test]
fn rows_beyond_the_buffer_bound_are_dropped_and_counted_never_torn() {
    disk(|d| d.free = 21 + 40); // one row fits, nothing more
    let mut files = RowFiles::with_opener(4, mem_open);
    let idx = files.add("d.plx".into(), b"step|timestamp|metric".to_vec());
    let row_len = row(0).len();
    let rows = MAX_BUFFER / row_len + 1000;
    let mut failed = 0;
    for i in 0..rows {
        if files
            .append(idx, |buf| buf.extend_from_slice(row(i).as_bytes()))
            .is_err()
        {
            failed += 1;
        }
    }
    let _ = files.write_all();
    assert!(failed >= 1, "the first failed write is reported");
    let stats = files.stats();
    let on_disk = whole_rows(&contents("d.plx"));
    assert!(stats.dropped_rows > 0, "{stats:?}");
    // Every row is on disk, still buffered, or counted as dropped.
    assert_eq!(
        on_disk as u64 + stats.dropped_rows + (stats.pending_bytes / row_len) as u64,
        rows as u64,
        "{stats:?}"
    );
}

#[test]
fn descriptors_stay_in_budget_and_are_given_back_when_the_process_runs_out() {
    disk(|d| d.free = 1 << 20);
    let mut files = RowFiles::with_opener(3, mem_open);
    let ids: Vec<u32> = (0..5)
        .map(|i| {
            files.add(
                format!("f{i}.plx").into(),
                b"step|timestamp|metric".to_vec(),
            )
        })
        .collect();
    for &id in &ids {
        files
            .append(id, |buf| buf.extend_from_slice(row(0).as_bytes()))
            .unwrap();
    }
    files.write_all().unwrap();
    assert_eq!(
        files.stats().open,
        3,
        "the least recently written were closed"
    );
    assert_eq!(files.stats().opened, 5);
    // The process is at its descriptor limit once: ours are given back, the retry succeeds.
    disk(|d| d.emfile = 1);
    files
        .append(ids[0], |buf| buf.extend_from_slice(row(1).as_bytes()))
        .unwrap();
    files.write_all().unwrap();
    assert_eq!(files.stats().open, 1);
    assert_eq!(whole_rows(&contents("f0.plx")), 2);
    for i in 1..5 {
        assert_eq!(whole_rows(&contents(&format!("f{i}.plx"))), 1);
    }
}
