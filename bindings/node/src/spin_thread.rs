//! A dedicated I/O thread for short HTTP jobs (refresh, API calls) that spins briefly between them.
//!
//! A libuv pool thread sleeps on a condition variable between jobs, and waking it costs
//! a context switch on every call. This thread instead spins for up to [`SPIN`] after each
//! job, so a caller awaiting results in a loop hands it the next job without a wake-up. It
//! spins only while the gaps between jobs have recently been shorter than that, so an idle
//! or far-away caller costs no CPU. It takes one job at a time: while it is busy, or if it
//! could not be started, callers use the libuv pool.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Work for the thread; it settles its Promise itself.
pub type Work = Box<dyn FnOnce() + Send>;

/// How long the thread keeps polling for the next job before it sleeps.
const SPIN: Duration = Duration::from_micros(200);

struct Worker {
    jobs: Mutex<Sender<Work>>,
}

/// Set while the thread has a job, and for good once it is [`GONE`].
static BUSY: AtomicBool = AtomicBool::new(false);

static WORKER: OnceLock<Option<Worker>> = OnceLock::new();

fn worker() -> Option<&'static Worker> {
    WORKER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Work>();
            std::thread::Builder::new().name("authflow-io".into()).spawn(move || run(&rx)).ok()?;
            Some(Worker { jobs: Mutex::new(tx) })
        })
        .as_ref()
}

fn run(rx: &Receiver<Work>) {
    // How long the next job usually takes to arrive: spinning only pays when it is short.
    let mut typical_gap = Duration::ZERO;
    loop {
        let idle = Instant::now();
        let Some(job) = next(rx, typical_gap < SPIN) else { return };
        typical_gap = (typical_gap * 3 + idle.elapsed()) / 4;
        // Jobs catch their own panics and settle their Promise with an error; this only keeps
        // the thread alive should settling itself panic.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
    }
}

fn next(rx: &Receiver<Work>, spin: bool) -> Option<Work> {
    if !spin {
        return rx.recv().ok();
    }
    let start = Instant::now();
    loop {
        match rx.try_recv() {
            Ok(job) => return Some(job),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) if start.elapsed() < SPIN => std::hint::spin_loop(),
            Err(TryRecvError::Empty) => return rx.recv().ok(),
        }
    }
}

/// The I/O thread, claimed for one job; released when dropped.
pub struct Slot(&'static Worker);

/// Claims the I/O thread if it runs and is idle.
pub fn claim() -> Option<Slot> {
    let w = worker()?;
    BUSY.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).ok()?;
    Some(Slot(w))
}

impl Slot {
    /// Runs `work` on the claimed thread. `work` gets the slot and drops it when the thread
    /// is free again (before it hands its result over, so the next call finds it idle).
    ///
    /// If the thread is gone, the work comes back (to run elsewhere) and the thread is never
    /// claimed again.
    pub fn run(self, work: impl FnOnce(Slot) + Send + 'static) -> Result<(), Work> {
        let jobs = &self.0.jobs;
        let sent = jobs.lock().unwrap_or_else(PoisonError::into_inner).send(Box::new(move || work(self)));
        sent.map_err(|mpsc::SendError(job)| {
            GONE.store(true, Ordering::Release);
            job
        })
    }
}

/// Set once the thread is found gone: it is never claimed again.
static GONE: AtomicBool = AtomicBool::new(false);

impl Drop for Slot {
    fn drop(&mut self) {
        BUSY.store(GONE.load(Ordering::Acquire), Ordering::Release);
    }
}
