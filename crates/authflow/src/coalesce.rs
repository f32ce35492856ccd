//! A ureq transport layer that sends a request's head and body in one write.
//!
//! ureq 3 writes the head and the body of a POST separately. With Nagle off, that is
//! two segments, and a server that reads the head first wakes twice per request. This layer keeps
//! everything ureq writes until ureq starts waiting for the answer, then sends it in
//! one go. Reads pass through (one copy of the response bytes).

use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, Transport};
use ureq::Error;

/// Wraps the end of ureq's connector chain (TCP or TLS) in a [`Coalescing`] transport.
#[derive(Debug, Default)]
pub(crate) struct CoalescingConnector;

impl<In: Transport> Connector<In> for CoalescingConnector {
    type Out = Coalescing<In>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, Error> {
        let config = details.config;
        Ok(chained.map(|inner| Coalescing {
            inner,
            buffers: LazyBuffers::new(config.input_buffer_size(), config.output_buffer_size()),
            pending: Vec::new(),
        }))
    }
}

/// Holds written output until input is awaited.
#[derive(Debug)]
pub(crate) struct Coalescing<T> {
    inner: T,
    buffers: LazyBuffers,
    pending: Vec<u8>,
}

impl<T: Transport> Coalescing<T> {
    /// Sends what was held, through the inner transport's output buffer.
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), Error> {
        let mut sent = 0;
        while sent < self.pending.len() {
            let out = self.inner.buffers().output();
            let n = out.len().min(self.pending.len() - sent);
            out[..n].copy_from_slice(&self.pending[sent..sent + n]);
            self.inner.transmit_output(n, timeout)?;
            sent += n;
        }
        self.pending.clear();
        Ok(())
    }
}

impl<T: Transport> Transport for Coalescing<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, _timeout: NextTimeout) -> Result<(), Error> {
        self.pending.extend_from_slice(&self.buffers.output()[..amount]);
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        self.flush(timeout)?;
        // Bytes the inner transport already holds come first; read only when it has none.
        if self.inner.buffers().input().is_empty() && !self.inner.await_input(timeout)? {
            return Ok(false);
        }
        let from = self.inner.buffers().input();
        let to = self.buffers.input_append_buf();
        let n = from.len().min(to.len());
        to[..n].copy_from_slice(&from[..n]);
        self.buffers.input_appended(n);
        self.inner.buffers().input_consume(n);
        Ok(n > 0)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An inner transport that records each transmit and answers with canned bytes.
    #[derive(Debug)]
    struct Recorder {
        buffers: LazyBuffers,
        sent: Vec<Vec<u8>>,
        answer: Vec<u8>,
    }

    impl Transport for Recorder {
        fn buffers(&mut self) -> &mut dyn Buffers {
            &mut self.buffers
        }
        fn transmit_output(&mut self, amount: usize, _: NextTimeout) -> Result<(), Error> {
            self.sent.push(self.buffers.output()[..amount].to_vec());
            Ok(())
        }
        fn await_input(&mut self, _: NextTimeout) -> Result<bool, Error> {
            let answer = std::mem::take(&mut self.answer);
            self.buffers.input_append_buf()[..answer.len()].copy_from_slice(&answer);
            self.buffers.input_appended(answer.len());
            Ok(!answer.is_empty())
        }
        fn is_open(&mut self) -> bool {
            true
        }
    }

    fn write(t: &mut Coalescing<Recorder>, bytes: &[u8], timeout: NextTimeout) {
        t.buffers().output()[..bytes.len()].copy_from_slice(bytes);
        t.transmit_output(bytes.len(), timeout).unwrap();
    }

    #[test]
    fn head_and_body_leave_in_one_write_when_the_answer_is_awaited() {
        let inner =
            Recorder { buffers: LazyBuffers::new(1024, 16), sent: Vec::new(), answer: b"HTTP/1.1 200 OK\r\n".to_vec() };
        let mut t = Coalescing { inner, buffers: LazyBuffers::new(1024, 1024), pending: Vec::new() };
        let timeout = NextTimeout::default();
        write(&mut t, b"POST /token HTTP/1.1\r\n\r\n", timeout);
        write(&mut t, b"grant_type=refresh_token", timeout);
        assert!(t.inner.sent.is_empty(), "nothing is sent before the answer is awaited");
        assert!(t.await_input(timeout).unwrap());
        // The inner output buffer holds 16 bytes, so the 48 bytes go in 16-byte pieces, in order.
        assert_eq!(t.inner.sent.concat(), b"POST /token HTTP/1.1\r\n\r\ngrant_type=refresh_token");
        assert_eq!(t.buffers().input(), b"HTTP/1.1 200 OK\r\n");
    }
}
