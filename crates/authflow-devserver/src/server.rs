//! The accept loop and the per-connection threads, with a clean shutdown.

use crate::app::{lock, App};
use crate::http;
use crate::router;
use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One open connection: a handle on its socket and its thread.
type Open = (TcpStream, JoinHandle<()>);

/// The open connections, so that a shutdown can close and join them.
#[derive(Default)]
struct Connections {
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Open>>,
}

impl Connections {
    /// Serves `stream` on a new thread and remembers it until it ends.
    fn spawn(self: &Arc<Self>, stream: TcpStream, app: Arc<App>, stop: Arc<AtomicBool>) {
        let Ok(handle_copy) = stream.try_clone() else {
            return;
        };
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let registry = Arc::clone(self);
        // Holding the lock while spawning makes the thread's removal wait for the insert.
        let mut open = lock(&self.open);
        let thread = std::thread::Builder::new().name(format!("devserver-conn-{id}")).spawn(move || {
            http::serve_connection(&stream, &stop, &|request| router::route(&app, request));
            lock(&registry.open).remove(&id);
        });
        if let Ok(thread) = thread {
            open.insert(id, (handle_copy, thread));
        }
    }

    /// Closes every open connection and waits for its thread.
    fn close_all(&self) {
        let open: Vec<_> = lock(&self.open).drain().collect();
        for (_, (stream, thread)) in open {
            let _ = stream.shutdown(Shutdown::Both);
            let _ = thread.join();
        }
    }
}

/// The listening socket's thread.
pub(crate) struct Listener {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Connections>,
}

impl Listener {
    pub fn spawn(socket: TcpListener, app: Arc<App>) -> std::io::Result<Listener> {
        let addr = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let connections = Arc::new(Connections::default());
        let accept = {
            let stop = Arc::clone(&stop);
            let connections = Arc::clone(&connections);
            std::thread::Builder::new()
                .name("devserver-accept".to_string())
                .spawn(move || accept_loop(&socket, &app, &stop, &connections))?
        };
        Ok(Listener { addr, stop, accept: Some(accept), connections })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Stops accepting, closes open connections and joins all threads.
    pub fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            // A connection of our own wakes the blocking accept() up.
            if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
                let _ = accept.join();
            }
        }
        self.connections.close_all();
    }
}

fn accept_loop(socket: &TcpListener, app: &Arc<App>, stop: &Arc<AtomicBool>, connections: &Arc<Connections>) {
    for stream in socket.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        match stream {
            Ok(stream) => connections.spawn(stream, Arc::clone(app), Arc::clone(stop)),
            // Out of file descriptors or similar: back off instead of spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}
