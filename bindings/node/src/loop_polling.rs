//! Busy-polling the event loop for a short while after a job goes to the spinning I/O thread.
//!
//! When the loop has nothing to do, libuv sleeps in `epoll_wait`, and being woken by the
//! job's completion costs tens of microseconds on some machines (VMs especially), more than
//! a refresh against a nearby server takes. For at most [`BUDGET`] after a job starts, a
//! `setImmediate` callback keeps the loop turning instead, so the result is picked up at
//! once. The loop is never blocked: timers, I/O and other callbacks run as usual in
//! between, and a job that takes longer lets the loop sleep after the budget. When jobs
//! have been taking longer than the budget (a distant server), there is no polling at all,
//! so the CPU is spent only where it buys latency.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::{Function, FunctionRef, JsObjectValue, Unknown};
use napi::Env;

/// How long the loop is kept turning after a job starts.
const BUDGET: Duration = Duration::from_millis(1);

#[derive(Default)]
struct State {
    in_flight: u32,
    /// How long jobs have been taking (a moving average). Polling only pays for quick ones:
    /// against a distant server it would burn the whole budget on every call.
    typical: Duration,
    until: Option<Instant>,
    scheduled: bool,
    /// The `setImmediate` callback, made once per JS thread, with the env it belongs to.
    tick: Option<(usize, FunctionRef<(), ()>)>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// A job went to the spinning I/O thread: keep the loop turning for a while, if jobs have been quick.
/// Returns when it started, for [`end`].
pub fn begin(env: &Env) -> Instant {
    let now = Instant::now();
    let schedule = STATE.with_borrow_mut(|s| {
        s.in_flight += 1;
        if s.typical >= BUDGET {
            return false;
        }
        s.until = Some(now + BUDGET);
        !s.scheduled
    });
    if schedule {
        // Only a speed-up: if it cannot be scheduled, the loop simply sleeps until the job is done.
        let _ = schedule_tick(env);
    }
    now
}

/// A job's result reached the main thread.
pub fn end(started: Instant) {
    STATE.with_borrow_mut(|s| {
        s.in_flight = s.in_flight.saturating_sub(1);
        s.typical = (s.typical * 3 + started.elapsed()) / 4;
    });
}

fn schedule_tick(env: &Env) -> napi::Result<()> {
    let owner = env.raw() as usize;
    let tick = match STATE.with_borrow_mut(|s| s.tick.take()) {
        Some((made_in, tick)) if made_in == owner => tick,
        _ => env.create_function_from_closure::<(), (), _>("authflowPoll", |ctx| on_tick(ctx.env))?.create_ref()?,
    };
    let result = (|| {
        let f = tick.borrow_back(env)?;
        let set_immediate: Function<Function<(), ()>, Unknown> =
            env.get_global()?.get_named_property("setImmediate")?;
        set_immediate.call(f)?;
        Ok(())
    })();
    STATE.with_borrow_mut(|s| {
        s.tick = Some((owner, tick));
        s.scheduled = result.is_ok();
    });
    result
}

fn on_tick(env: &Env) -> napi::Result<()> {
    let again = STATE.with_borrow_mut(|s| {
        s.scheduled = false;
        s.in_flight > 0 && s.until.is_some_and(|until| Instant::now() < until)
    });
    if again {
        let _ = schedule_tick(env);
    }
    Ok(())
}
