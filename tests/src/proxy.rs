//! A small HTTP fault proxy on loopback: between a device and the server it can refuse every
//! connection (a partition), drop a request before the server sees it, drop the response after
//! the server handled the request, delay, or deliver a request twice. Faults are drawn from a
//! seeded generator, so a failing run can be replayed; they can be aimed at the requests whose
//! request line starts with a given prefix (such as `POST /api/v1/return-requests`), the others
//! passing untouched.
//!
//! It can also answer some requests itself, as a misbehaving proxy or an overloaded server would
//! ([`FaultProxy::answer`]: a 429 with `Retry-After`, a 408, an HTML error page…), before or
//! after passing them to the server.
//!
//! It speaks just enough HTTP/1.1 for our client: one request per connection (it asks the
//! server for `Connection: close`, so the client opens a new connection for each request).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How often each fault happens, per request (each in `[0, 1]`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FaultRates {
    /// The request never reaches the server.
    pub drop_request: f64,
    /// The server handles the request, the client never gets the answer.
    pub drop_response: f64,
    /// The request waits up to `max_delay` first.
    pub delay: f64,
    /// The server gets the request twice, at once.
    pub duplicate: f64,
    /// The longest delay.
    pub max_delay: Duration,
}

/// What the proxy did, for the test's report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Requests seen.
    pub requests: u64,
    /// Dropped before the server.
    pub dropped_requests: u64,
    /// Dropped after the server.
    pub dropped_responses: u64,
    /// Delayed.
    pub delayed: u64,
    /// Sent twice.
    pub duplicated: u64,
    /// Connections refused while down.
    pub refused: u64,
}

/// A canned answer for the requests whose request line starts with `prefix`.
struct Canned {
    prefix: String,
    times: u32,
    forward_first: bool,
    response: Vec<u8>,
}

struct Control {
    down: bool,
    canned: Vec<Canned>,
    rates: FaultRates,
    /// Faults only for requests whose request line starts with this (all when empty).
    aim: String,
    rng: StdRng,
    stats: FaultStats,
    /// The request line of every request that reached the server, in order.
    forwarded: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Fault {
    Pass,
    DropRequest,
    DropResponse,
    Delay(Duration),
    Duplicate,
}

/// A running proxy.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`, to give the device as its server.
    pub url: String,
    control: Arc<Mutex<Control>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Starts a proxy to `upstream`, passing everything until told otherwise.
    pub async fn start(upstream: SocketAddr, seed: u64) -> Result<FaultProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let control = Arc::new(Mutex::new(Control {
            down: false,
            canned: Vec::new(),
            rates: FaultRates::default(),
            aim: String::new(),
            rng: StdRng::seed_from_u64(seed),
            stats: FaultStats::default(),
            forwarded: Vec::new(),
        }));
        let c = control.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let c = c.clone();
                tokio::spawn(async move {
                    let _ = handle(stream, upstream, c).await;
                });
            }
        });
        Ok(FaultProxy {
            url: format!("http://{addr}"),
            control,
            task,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Control) -> T) -> T {
        f(&mut self.control.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Cuts (or restores) the link: while down, every connection is closed at once.
    pub fn set_down(&self, down: bool) {
        self.with(|c| c.down = down);
    }

    /// Sets the fault rates.
    pub fn set_rates(&self, rates: FaultRates) {
        self.with(|c| c.rates = rates);
    }

    /// Answers the next `times` requests whose request line starts with `prefix` (such as
    /// `"POST /api/v1/return-requests"`) with `status`, the extra `headers` and `body`, without
    /// passing them to the server.
    pub fn answer(&self, prefix: &str, times: u32, status: u16, headers: &[&str], body: &str) {
        self.answer_canned(prefix, times, false, status, headers, body);
    }

    /// Like [`answer`](FaultProxy::answer), but the server handles the request first: its answer
    /// is lost and the client gets the canned one (a committed request answered by an error).
    pub fn answer_after_server(
        &self,
        prefix: &str,
        times: u32,
        status: u16,
        headers: &[&str],
        body: &str,
    ) {
        self.answer_canned(prefix, times, true, status, headers, body);
    }

    /// Forgets the canned answers not yet given.
    pub fn clear_answers(&self) {
        self.with(|c| c.canned.clear());
    }

    fn answer_canned(
        &self,
        prefix: &str,
        times: u32,
        forward_first: bool,
        status: u16,
        headers: &[&str],
        body: &str,
    ) {
        let mut response = format!("HTTP/1.1 {status} Canned\r\n");
        for header in headers {
            response.push_str(header);
            response.push_str("\r\n");
        }
        response.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ));
        self.with(|c| {
            c.canned.push(Canned {
                prefix: prefix.to_owned(),
                times,
                forward_first,
                response: response.into_bytes(),
            })
        });
    }

    /// Aims the faults at the requests whose request line starts with `prefix` (such as
    /// `POST /api/v1/return-requests`); the others pass untouched.
    pub fn aim_at(&self, prefix: &str) {
        self.with(|c| c.aim = prefix.to_owned());
    }

    /// How many requests passed through whose request line starts with `prefix` (such as
    /// `PUT /api/v1/photos/`).
    pub fn requests_to(&self, prefix: &str) -> usize {
        self.with(|c| c.forwarded.iter().filter(|l| l.starts_with(prefix)).count())
    }

    /// What happened so far.
    pub fn stats(&self) -> FaultStats {
        self.with(|c| c.stats)
    }
}

fn take_canned(control: &Mutex<Control>, request: &[u8]) -> Option<(bool, Vec<u8>)> {
    let mut c = control.lock().unwrap_or_else(|p| p.into_inner());
    let canned = c
        .canned
        .iter_mut()
        .find(|k| k.times > 0 && request.starts_with(k.prefix.as_bytes()))?;
    canned.times -= 1;
    Some((canned.forward_first, canned.response.clone()))
}

fn draw(control: &Mutex<Control>, request: &[u8]) -> Option<Fault> {
    let mut c = control.lock().unwrap_or_else(|p| p.into_inner());
    if c.down {
        c.stats.refused += 1;
        return None;
    }
    c.stats.requests += 1;
    let line = request
        .split(|&b| b == b'\r' || b == b'\n')
        .next()
        .unwrap_or(&[]);
    c.forwarded.push(String::from_utf8_lossy(line).into_owned());
    if !request.starts_with(c.aim.as_bytes()) {
        return Some(Fault::Pass);
    }
    let rates = c.rates;
    let roll: f64 = c.rng.random();
    let mut edge = rates.drop_request;
    let fault = if roll < edge {
        c.stats.dropped_requests += 1;
        Fault::DropRequest
    } else if roll < {
        edge += rates.drop_response;
        edge
    } {
        c.stats.dropped_responses += 1;
        Fault::DropResponse
    } else if roll < {
        edge += rates.delay;
        edge
    } {
        c.stats.delayed += 1;
        let max = rates.max_delay.as_millis().max(1) as u64;
        Fault::Delay(Duration::from_millis(c.rng.random_range(0..max)))
    } else if roll < edge + rates.duplicate {
        c.stats.duplicated += 1;
        Fault::Duplicate
    } else {
        Fault::Pass
    };
    Some(fault)
}

async fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    control: Arc<Mutex<Control>>,
) -> Result<()> {
    if control.lock().unwrap_or_else(|p| p.into_inner()).down {
        control
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .stats
            .refused += 1;
        return Ok(());
    }
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    if let Some((forward_first, response)) = take_canned(&control, &request) {
        if forward_first {
            forward(&request, upstream).await?;
        }
        client.write_all(&response).await?;
        client.shutdown().await?;
        return Ok(());
    }
    let Some(fault) = draw(&control, &request) else {
        return Ok(());
    };
    let response = match fault {
        Fault::DropRequest => return Ok(()),
        Fault::Pass => forward(&request, upstream).await?,
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            forward(&request, upstream).await?
        }
        Fault::DropResponse => {
            forward(&request, upstream).await?;
            return Ok(());
        }
        Fault::Duplicate => {
            let (a, b) = tokio::join!(forward(&request, upstream), forward(&request, upstream));
            let _ = a;
            b?
        }
    };
    client.write_all(&response).await?;
    client.shutdown().await?;
    Ok(())
}

/// Reads one request (head and `Content-Length` body) and rewrites it for a one-shot upstream
/// connection (`Connection: close`). `None` at end of stream.
async fn read_request(stream: &mut TcpStream) -> Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut length = 0usize;
    let mut lines: Vec<String> = Vec::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("connection:") {
            continue;
        }
        lines.push(line.to_owned());
    }
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out = lines.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\nConnection: close\r\n\r\n");
    out.extend_from_slice(&buf[head_end..head_end + length]);
    Ok(Some(out))
}

async fn forward(request: &[u8], upstream: SocketAddr) -> Result<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(request).await?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).await?;
    Ok(response)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
