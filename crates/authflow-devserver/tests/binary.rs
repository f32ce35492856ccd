//! The `authflow-devserver` binary: prints its URL, serves, and exits by itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn binary_prints_its_url_serves_and_exits() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authflow-devserver"))
        .args(["--lifetime", "5", "--token-lifetime", "60"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let url = line.trim_end();
    let port = url.strip_prefix("http://127.0.0.1:").expect("URL line");
    let mut stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>().expect("port"))).expect("connects");
    stream.write_all(b"GET /_dev/counters HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"token_requests\":0"), "{answer}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
            panic!("the devserver outlived its lifetime");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success());
}

#[test]
fn bad_flags_exit_with_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_authflow-devserver"))
        .arg("--port")
        .arg("not-a-number")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage"));
}
