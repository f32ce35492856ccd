//! Plain values every binding converts its arguments into, each checked here once:
//! times, durations, seeds, HTTP statuses and methods, response bodies, randomness.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authflow::{Entropy, Error, HttpRequest, HttpResponse, Method, OsEntropy, SeededEntropy};

/// The largest integer a double holds exactly: times and seeds above it are refused.
const MAX_EXACT: f64 = 9_007_199_254_740_991.0;

/// The longest login wait accepted: a week.
pub const MAX_LOGIN_WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

/// The system clock in Unix seconds, the default `now` of every binding.
pub fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `now` as given (Unix seconds; a fraction is dropped), or the system clock when absent.
pub fn unix_time(now: Option<f64>) -> Result<u64, Error> {
    match now {
        None => Ok(unix_now()),
        Some(n) => whole_seconds("now", n),
    }
}

/// A non-negative number of seconds (a skew, a lifetime), a fraction dropped.
pub fn whole_seconds(what: &str, value: f64) -> Result<u64, Error> {
    if value.is_finite() && (0.0..=MAX_EXACT).contains(&value) {
        Ok(value as u64)
    } else {
        Err(Error::config(format!("{what} must be a non-negative number of seconds, got {value}")))
    }
}

/// How long a login waits for the browser: more than zero seconds and at most [`MAX_LOGIN_WAIT`].
pub fn login_wait(seconds: Option<f64>) -> Result<Duration, Error> {
    let Some(seconds) = seconds else { return Ok(Duration::from_secs(300)) };
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_LOGIN_WAIT.as_secs_f64() {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(Error::config(format!(
            "login timeout must be more than 0 and at most {} seconds, got {seconds}",
            MAX_LOGIN_WAIT.as_secs()
        )))
    }
}

/// Where a flow's state, verifier and nonce come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Randomness {
    /// One `getrandom` call per flow: safe across `fork()`.
    Os,
    /// OS bytes read 4 KiB at a time into a per-thread pool. Only for hosts that never
    /// fork a live process (Node): a forked copy of the pool would repeat its bytes.
    ThreadPool,
    /// A deterministic generator from a seed (a non-negative integer): tests and vectors only.
    Seeded(f64),
}

impl Randomness {
    /// Runs `f` with the chosen source.
    pub fn with<T>(self, f: impl FnOnce(&mut dyn Entropy) -> Result<T, Error>) -> Result<T, Error> {
        match self {
            Randomness::Os => f(&mut OsEntropy),
            Randomness::ThreadPool => f(&mut PooledEntropy),
            Randomness::Seeded(seed)
                if seed.is_finite() && (0.0..=MAX_EXACT).contains(&seed) && seed.fract() == 0.0 =>
            {
                f(&mut SeededEntropy::new(seed as u64))
            }
            Randomness::Seeded(seed) => Err(Error::config(format!("seed must be a non-negative integer, got {seed}"))),
        }
    }
}

const POOL: usize = 4096;

thread_local! {
    static ENTROPY_POOL: std::cell::RefCell<(Box<[u8; POOL]>, usize)> =
        std::cell::RefCell::new((Box::new([0u8; POOL]), POOL));
}

/// The OS generator read [`POOL`] bytes at a time; bytes are handed out once and wiped as they go.
struct PooledEntropy;

impl Entropy for PooledEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        if buf.len() > POOL {
            return OsEntropy.fill(buf);
        }
        ENTROPY_POOL.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (pool, used) = &mut *guard;
            if POOL - *used < buf.len() {
                OsEntropy.fill(&mut pool[..])?;
                *used = 0;
            }
            let taken = &mut pool[*used..*used + buf.len()];
            buf.copy_from_slice(taken);
            taken.fill(0);
            *used += buf.len();
            Ok(())
        })
    }
}

/// A response handed in by a caller's own HTTP client; the status must be 100..=599.
pub fn http_response(status: i64, headers: Vec<(String, String)>, body: Vec<u8>) -> Result<HttpResponse, Error> {
    let status = u16::try_from(status)
        .ok()
        .filter(|s| (100..=599).contains(s))
        .ok_or_else(|| Error::config(format!("response status {status} is not an http status (100..=599)")))?;
    Ok(HttpResponse { status, headers, body })
}

/// A request to authorize or send: `GET` or `POST` in any case, `GET` when absent.
pub fn http_request(
    method: Option<&str>,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> Result<HttpRequest, Error> {
    let method = method.map(str::parse::<Method>).transpose()?.unwrap_or(Method::Get);
    Ok(HttpRequest { method, url, headers, body })
}

/// An API response body as JSON; a body that is not JSON is an `unexpected_response` error.
pub fn response_json(response: &HttpResponse) -> Result<serde_json::Value, Error> {
    serde_json::from_slice(&response.body).map_err(|e| Error::UnexpectedResponse {
        status: response.status,
        content_type: response.header("content-type").map(str::to_owned),
        summary: format!("body is not json ({:?} error at line {} column {})", e.classify(), e.line(), e.column()),
    })
}

/// A token set from JSON text (`TokenSet` saved by `to_json`); only the position of an error is told.
pub fn tokens_from_json(json: &str) -> Result<authflow::TokenSet, Error> {
    serde_json::from_str(json)
        .map_err(|e| Error::config(format!("not a saved token set (error at line {} column {})", e.line(), e.column())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_from_the_host_are_checked() {
        assert_eq!(unix_time(Some(1_700_000_000.9)).unwrap(), 1_700_000_000);
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1e19] {
            assert_eq!(unix_time(Some(bad)).unwrap_err().kind(), "config", "{bad}");
        }
        assert_eq!(login_wait(None).unwrap(), Duration::from_secs(300));
        for bad in [0.0, -3.0, f64::NAN, 1e19] {
            assert_eq!(login_wait(Some(bad)).unwrap_err().kind(), "config", "{bad}");
        }
        assert!(Randomness::Seeded(1.5).with(|_| Ok(())).is_err());
        assert!(Randomness::Seeded(-1.0).with(|_| Ok(())).is_err());
    }

    #[test]
    fn statuses_methods_and_bodies() {
        assert!(http_response(99, vec![], vec![]).is_err());
        assert!(http_response(600, vec![], vec![]).is_err());
        assert!(http_response(-200, vec![], vec![]).is_err());
        assert_eq!(http_response(204, vec![], vec![]).unwrap().status, 204);
        assert_eq!(http_request(Some("post"), "https://x".into(), vec![], vec![]).unwrap().method, Method::Post);
        assert_eq!(http_request(Some("PUT"), "https://x".into(), vec![], vec![]).unwrap_err().kind(), "config");
        let html = HttpResponse::new(200, "text/html", "<html>");
        assert_eq!(response_json(&html).unwrap_err().kind(), "unexpected_response");
    }

    #[test]
    fn the_pool_never_repeats_bytes() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..300 {
            let mut buf = [0u8; 16];
            PooledEntropy.fill(&mut buf).unwrap();
            assert!(seen.insert(buf));
        }
    }
}
