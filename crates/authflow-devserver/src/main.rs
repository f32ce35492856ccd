//! The `authflow-devserver` command: runs the devserver until killed or its lifetime ends.

use authflow_devserver::{DevServer, Knobs, Options};
use std::io::Write;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: authflow-devserver [--port N] [--lifetime SECS] [--interactive] [--token-lifetime SECS]

  --port N              port to bind on 127.0.0.1 (default 0: a free port)
  --lifetime SECS       exit by itself after SECS seconds (default 900)
  --interactive         show a login and consent form instead of auto-approving
  --token-lifetime SECS access token lifetime in seconds (default 300)

Prints the base URL (http://127.0.0.1:PORT) as its first line of output.";

/// The parsed command line.
struct Args {
    port: u16,
    lifetime: u64,
    knobs: Knobs,
}

fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("authflow-devserver: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let options = Options { port: args.port, knobs: args.knobs };
    let server = match DevServer::start(options) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("authflow-devserver: cannot listen on 127.0.0.1:{}: {error}", args.port);
            std::process::exit(1);
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", server.base_url());
    let _ = stdout.flush();
    sleep_for(Duration::from_secs(args.lifetime));
    server.stop();
}

/// Sleeps in short steps so a long lifetime is still exact.
fn sleep_for(total: Duration) {
    let end = Instant::now() + total;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_secs(1)));
    }
}

/// Parses the flags; `Ok(None)` means help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args { port: 0, lifetime: 900, knobs: Knobs::default() };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--port" => parsed.port = number(&flag, args.next())?,
            "--lifetime" => parsed.lifetime = number(&flag, args.next())?,
            "--token-lifetime" => parsed.knobs.access_token_lifetime = number(&flag, args.next())?,
            "--interactive" => parsed.knobs.interactive = true,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Some(parsed))
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value.parse().map_err(|_| format!("{flag}: not a valid number: {value}"))
}
