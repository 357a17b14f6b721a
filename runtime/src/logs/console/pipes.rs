//! The Unix side of console capture: pipes put in place of file descriptors 1 and 2, the
//! reader thread that drains them without ever writing, and putting the originals back.

use super::*;
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use std::os::fd::{AsFd, OwnedFd};

fn io_err(what: &str, e: Errno) -> Error {
    Error::io(format!("console capture: {what}"), std::io::Error::from(e))
}

/// A pipe's read end.
pub(super) type ReadEnd = OwnedFd;
/// A duplicate of the original stdout or stderr.
pub(super) type Saved = OwnedFd;

pub(super) fn start(sink: Arc<dyn LineSink>) -> Result<Console, Error> {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let saved_out = rustix::io::fcntl_dupfd_cloexec(stdout.as_fd(), 3)
        .map_err(|e| io_err("cannot duplicate stdout", e))?;
    let saved_err = rustix::io::fcntl_dupfd_cloexec(stderr.as_fd(), 3)
        .map_err(|e| io_err("cannot duplicate stderr", e))?;
    let same_file = match (rustix::fs::fstat(&saved_out), rustix::fs::fstat(&saved_err)) {
        (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
        _ => false,
    };
    let mut terminals = vec![file_of(&saved_out)?];
    // Each pipe: (read end, write end, the descriptors it replaces).
    let mut pipes: Vec<(OwnedFd, OwnedFd, Vec<Fd>, usize)> = Vec::new();
    let (r, w) = new_pipe()?;
    if same_file {
        pipes.push((r, w, vec![Fd::Stdout, Fd::Stderr], 0));
    } else {
        terminals.push(file_of(&saved_err)?);
        pipes.push((r, w, vec![Fd::Stdout], 0));
        let (r, w) = new_pipe()?;
        pipes.push((r, w, vec![Fd::Stderr], 1));
    }
    let (tee_tx, tee_rx) = sync_channel(TEE_CHUNKS);
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut stream_terminals = Vec::new();
    for (r, w, fds, terminal) in pipes {
        reads.push(r);
        writes.push((w, fds));
        stream_terminals.push(terminal);
    }
    let shared = Arc::new(Shared {
        sink,
        reads,
        state: Mutex::new(State {
            streams: stream_terminals
                .into_iter()
                .map(|terminal| Stream {
                    splitter: LineSplitter::default(),
                    terminal,
                    open: true,
                    partial_since: None,
                })
                .collect(),
            pending: VecDeque::new(),
            pending_bytes: 0,
            tee: Some(tee_tx),
            reader_done: false,
            buf: vec![0; 64 * 1024],
            last_at: SystemTime::UNIX_EPOCH,
        }),
        queued: Condvar::new(),
        stopping: AtomicBool::new(false),
        refused: AtomicU64::new(0),
        terminal_dropped: AtomicU64::new(0),
        tee_queued: AtomicU64::new(0),
    });
    let (forwarder_tx, forwarder_done) = sync_channel(1);
    let (tee_done_tx, tee_done) = sync_channel(1);
    let spawn_err = |e| Error::io("console capture: cannot start a thread", e);
    let s = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("polytrack-console-tee".into())
        .spawn(move || {
            tee(terminals, tee_rx, s);
            let _ = tee_done_tx.send(());
        })
        .map_err(spawn_err)?;
    let s = Arc::clone(&shared);
    std::thread::Builder::new()
        .name("polytrack-console-forward".into())
        .spawn(move || {
            s.forward();
            let _ = forwarder_tx.send(());
        })
        .map_err(spawn_err)?;
    let s = Arc::clone(&shared);
    let reader = std::thread::Builder::new()
        .name("polytrack-console-read".into())
        .spawn(move || read_loop(&s))
        .map_err(spawn_err)?;

    // Everything is ready: point stdout and stderr at the pipes. Rust's own buffer goes
    // out first, to the terminal it was meant for.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    let mut restore = vec![(Fd::Stdout, saved_out), (Fd::Stderr, saved_err)];
    // The first redirection that fails undoes those made before it.
    let failed = writes
        .iter()
        .flat_map(|(w, fds)| fds.iter().map(move |fd| (w, fd)))
        .find_map(|(w, fd)| redirect(*fd, w).err());
    if failed.is_some() {
        restore_all(&restore);
        restore.clear();
    }
    // Only file descriptors 1 and 2 (and children) hold the write ends now; after a failed
    // redirection nothing does, and the reader sees the pipes close.
    drop(writes);
    let console = Console {
        shared,
        stop: Mutex::new(Some(Stopper {
            restore,
            reader,
            forwarder_done,
            tee_done,
        })),
    };
    match failed {
        None => Ok(console),
        Some(e) => {
            console.stop(Duration::from_secs(1));
            Err(io_err("cannot redirect stdout/stderr", e))
        }
    }
}

fn new_pipe() -> Result<(OwnedFd, OwnedFd), Error> {
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| io_err("cannot create a pipe", e))?;
    rustix::io::ioctl_fionbio(&r, true)
        .map_err(|e| io_err("cannot make a pipe non-blocking", e))?;
    // A bigger pipe absorbs bursts while the reader is busy (best effort).
    #[cfg(target_os = "linux")]
    let _ = rustix::pipe::fcntl_setpipe_size(&w, 1024 * 1024);
    Ok((r, w))
}

fn file_of(fd: &OwnedFd) -> Result<std::fs::File, Error> {
    rustix::io::fcntl_dupfd_cloexec(fd, 3)
        .map(std::fs::File::from)
        .map_err(|e| io_err("cannot duplicate the terminal", e))
}

fn redirect(fd: Fd, to: &OwnedFd) -> Result<(), Errno> {
    match fd {
        Fd::Stdout => rustix::stdio::dup2_stdout(to),
        Fd::Stderr => rustix::stdio::dup2_stderr(to),
    }
}

fn restore_all(saved: &[(Fd, OwnedFd)]) {
    for (fd, saved) in saved {
        if let Err(e) = redirect(*fd, saved) {
            log::error!("cannot restore {fd:?} after console capture: {e}");
        }
    }
}

pub(super) fn restore(saved: &[(Fd, Saved)]) {
    let _ = std::io::Write::flush(&mut std::io::stdout());
    restore_all(saved);
}

/// Reads whatever the pipes hold (never waits), queueing its lines.
pub(super) fn drain(shared: &Shared, state: &mut State) {
    for (i, read) in shared.reads.iter().enumerate() {
        if !state.streams.get(i).is_some_and(|s| s.open) {
            continue;
        }
        loop {
            match rustix::io::read(read.as_fd(), &mut state.buf[..]) {
                Ok(0) => {
                    state.streams[i].open = false;
                    break;
                }
                Ok(n) => shared.take_bytes(state, i, n),
                Err(Errno::INTR) => continue,
                Err(Errno::AGAIN) => break,
                Err(e) => {
                    log::error!("console capture stopped reading: {e}");
                    state.streams[i].open = false;
                    break;
                }
            }
        }
    }
    shared.flush_partials(state, false);
}

fn read_loop(shared: &Shared) {
    let timeout = Timespec {
        tv_sec: 0,
        tv_nsec: POLL_EVERY.as_nanos() as _,
    };
    let mut stop_by: Option<Instant> = None;
    loop {
        let open: Vec<bool> = lock(&shared.state).streams.iter().map(|s| s.open).collect();
        let mut fds: Vec<PollFd<'_>> = shared
            .reads
            .iter()
            .zip(&open)
            .filter(|(_, open)| **open)
            .map(|(r, _)| PollFd::new(r, PollFlags::IN))
            .collect();
        if fds.is_empty() {
            break;
        }
        // An error (EINTR) only means looking again.
        let _ = poll(&mut fds, Some(&timeout));
        drop(fds);
        {
            let mut state = lock(&shared.state);
            drain(shared, &mut state);
        }
        shared.queued.notify_one();
        if shared.stopping.load(Ordering::Acquire) {
            // The pipes' ends at 1 and 2 are closed: read to the end, unless a child
            // process still holds them past the grace period.
            let by = *stop_by.get_or_insert_with(|| Instant::now() + DRAIN_AFTER_STOP);
            if Instant::now() >= by {
                break;
            }
        }
    }
    let mut state = lock(&shared.state);
    shared.flush_partials(&mut state, true);
    state.reader_done = true;
    state.tee = None;
    drop(state);
    shared.queued.notify_all();
}
