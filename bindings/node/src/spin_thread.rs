//! A dedicated I/O thread for short HTTP jobs (refresh, API calls).
//!
//! A libuv pool thread sleeps on a condition variable between jobs, and waking it costs
//! a context switch on every call. This thread instead spins briefly after each job, so a
//! caller awaiting results in a loop hands it the next job without a wake-up. It takes one
//! job at a time: when it is busy, callers use the libuv pool as before.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

type Work = Box<dyn FnOnce() + Send>;

/// How long the thread keeps polling for the next job before it sleeps.
const SPIN: Duration = Duration::from_micros(200);

struct Worker {
    jobs: Mutex<Sender<Work>>,
}

/// Set while the thread has a job.
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
        let job = match next(rx, typical_gap < SPIN) {
            Some(job) => job,
            None => return,
        };
        typical_gap = (typical_gap * 3 + idle.elapsed()) / 4;
        // A panic would have been a bug in a job; the thread lives on (the job's Slot was released in the unwind).
        if std::panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
            eprintln!("authflow: a job on the I/O thread panicked");
        }
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

/// Claims the I/O thread if it is idle.
pub fn claim() -> Option<Slot> {
    let w = worker()?;
    BUSY.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).ok()?;
    Some(Slot(w))
}

impl Slot {
    /// Runs `work` on the claimed thread. `work` gets the slot and drops it when the thread
    /// is free again (before it hands its result over, so the next call finds it idle).
    pub fn run(self, work: impl FnOnce(Slot) + Send + 'static) {
        let jobs = &self.0.jobs;
        let sent = jobs.lock().unwrap_or_else(PoisonError::into_inner).send(Box::new(move || work(self)));
        if let Err(mpsc::SendError(job)) = sent {
            // The thread is gone: run the job on a thread of its own.
            if let Err(e) = std::thread::Builder::new().name("authflow-io".into()).spawn(job) {
                eprintln!("authflow: cannot start an I/O thread: {e}");
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        BUSY.store(false, Ordering::Release);
    }
}
