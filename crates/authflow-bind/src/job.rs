//! [`Job`]: blocking work a binding runs where its host wants it (a released GIL, a worker thread).

use authflow::Error;

/// Work prepared on the caller's thread (arguments checked, tickets taken, flows claimed) and
/// run later, anywhere: Python runs it with the GIL released, Node on a worker thread.
#[must_use = "a job does nothing until it runs"]
pub struct Job<T> {
    work: Box<dyn FnOnce() -> Result<T, Error> + Send>,
}

impl<T> Job<T> {
    /// Wraps the work.
    pub fn new(work: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Job<T> {
        Job { work: Box::new(work) }
    }

    /// Does the work, blocking the calling thread.
    pub fn run(self) -> Result<T, Error> {
        (self.work)()
    }
}

impl<T> std::fmt::Debug for Job<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}
