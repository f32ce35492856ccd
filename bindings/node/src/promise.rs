//! Promises for authflow-bind's [`Job`]s: each runs off the main thread and settles on it.
//!
//! Short jobs (exchanges, refreshes, API calls) go to the spinning I/O thread
//! ([`spin_thread`]) when it is idle, with the event loop polled meanwhile ([`loop_polling`]),
//! else to the libuv thread pool. A login, which waits minutes for a browser, gets a thread of
//! its own, so it never parks on libuv's small pool. Results become JS values on the main
//! thread. A job that panics rejects its Promise instead of taking the process down.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use authflow::{Error, ErrorCategory};
use authflow_bind::Job;
use napi::bindgen_prelude::{AsyncTask, Either, Object, ToNapiValue, TypeName};
use napi::{Env, Status, Task};

use crate::error::to_js;
use crate::spin_thread::Work;
use crate::{loop_polling, spin_thread};

/// A Promise for a job: an `AsyncTask` on the libuv pool, or a Promise settled from another thread.
pub type Promised<'env, T, J> = Either<AsyncTask<Pooled<T, J>>, Object<'env>>;

/// What a job ended with; `None` if it panicked.
type Outcome<T> = Option<Result<T, Error>>;

type Settle<J> = Box<dyn FnOnce(Env) -> napi::Result<J> + Send>;

fn run<T>(job: Job<T>) -> Outcome<T> {
    catch_unwind(AssertUnwindSafe(|| job.run())).ok()
}

fn settle<T, J>(env: &Env, outcome: Outcome<T>, done: fn(T) -> J) -> napi::Result<J> {
    match outcome {
        Some(Ok(value)) => Ok(done(value)),
        Some(Err(e)) => Err(to_js(env, &e)),
        None => Err(napi::Error::new(Status::GenericFailure, "authflow: a job panicked; this is a bug in authflow")),
    }
}

/// The job a method prepared, or its refusal: an argument error (`ERR_CONFIG`) is thrown at
/// the call, any other (a flow busy, no tokens yet) rejects the Promise like the job would.
pub fn prepared<T: 'static>(env: &Env, job: Result<Job<T>, Error>) -> napi::Result<Job<T>> {
    match job {
        Ok(job) => Ok(job),
        Err(e) if e.category() == ErrorCategory::Config => Err(to_js(env, &e)),
        Err(e) => Ok(Job::new(move || Err(e))),
    }
}

/// A job on the libuv pool, its result converted by `done`.
pub struct Pooled<T, J> {
    job: Option<Job<T>>,
    done: fn(T) -> J,
}

impl<T: Send + 'static, J: ToNapiValue + TypeName> Task for Pooled<T, J> {
    type Output = Outcome<T>;
    type JsValue = J;

    fn compute(&mut self) -> napi::Result<Outcome<T>> {
        Ok(self.job.take().and_then(run))
    }

    fn resolve(&mut self, env: Env, outcome: Outcome<T>) -> napi::Result<J> {
        settle(&env, outcome, self.done)
    }
}

/// A Promise for a short job, its result converted to JS by `done` on the main thread.
pub fn short<T, J>(env: &Env, job: Job<T>, done: fn(T) -> J) -> napi::Result<Promised<'_, T, J>>
where
    T: Send + 'static,
    J: ToNapiValue + TypeName + 'static,
{
    let Some(slot) = spin_thread::claim() else {
        return Ok(Either::A(AsyncTask::new(Pooled { job: Some(job), done })));
    };
    let (deferred, promise) = env.create_deferred::<J, Settle<J>>()?;
    let started = loop_polling::begin(env);
    let work = move |slot| {
        let outcome = run(job);
        drop(slot);
        deferred.resolve(Box::new(move |env| {
            loop_polling::end(started);
            settle(&env, outcome, done)
        }));
    };
    if let Err(work) = slot.run(work) {
        on_pool(env, work)?;
    }
    Ok(Either::B(promise))
}

/// A Promise for a job that may wait for minutes, on a thread of its own.
pub fn long<T, J>(env: &Env, job: Job<T>, done: fn(T) -> J) -> napi::Result<Object<'_>>
where
    T: Send + 'static,
    J: ToNapiValue + TypeName + 'static,
{
    let (deferred, promise) = env.create_deferred::<J, Settle<J>>()?;
    let work: Work = Box::new(move || {
        let outcome = run(job);
        deferred.resolve(Box::new(move |env| settle(&env, outcome, done)));
    });
    let (tx, rx) = mpsc::channel::<Work>();
    let thread = std::thread::Builder::new().name("authflow-login".into()).spawn(move || {
        if let Ok(work) = rx.recv() {
            work();
        }
    });
    match thread {
        Ok(_) => tx.send(work).or_else(|mpsc::SendError(work)| on_pool(env, work))?,
        Err(_) => on_pool(env, work)?,
    }
    Ok(promise)
}

/// Runs work that settles its own Promise on the libuv pool: where jobs go when no thread of
/// their own can be had.
fn on_pool(env: &Env, work: Work) -> napi::Result<()> {
    env.spawn(Detached(Some(work))).map(drop)
}

struct Detached(Option<Work>);

impl Task for Detached {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> napi::Result<()> {
        if let Some(work) = self.0.take() {
            work();
        }
        Ok(())
    }

    fn resolve(&mut self, _: Env, (): ()) -> napi::Result<()> {
        Ok(())
    }
}
