//! Slow and idle clients: a connection that does not send its request head in time is closed, and
//! connections beyond the limit wait for a free slot instead of being served at any count.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{start_with, Server};

/// Waits until the server closes `stream` (end of stream or reset), reading and dropping what it
/// sends; panics after `within`.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) {
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => panic!("the server still holds the connection after {within:?}"),
            Ok(Ok(0) | Err(_)) => return,
            Ok(Ok(_)) => {}
        }
    }
}

/// A client that keeps no idle connection, so that each request opens its own.
fn one_shot_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("a client")
}

/// `GET /healthz` on a connection of its own.
async fn health(server: &Server) -> reqwest::Result<reqwest::StatusCode> {
    let url = format!("{}/healthz", server.base);
    Ok(one_shot_client().get(url).send().await?.status())
}

fn address(server: &Server) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_request_head_is_disconnected() {
    let server = start_with(|c| c.header_timeout = Duration::from_millis(500)).await;
    let addr = address(&server);
    let mut slow = TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: loc")
        .await
        .expect("write");
    let mut silent = TcpStream::connect(&addr).await.expect("connect");
    // Meanwhile, a normal client is served.
    assert_eq!(health(&server).await.expect("served").as_u16(), 200);
    let started = Instant::now();
    closed_by_server(&mut slow, Duration::from_secs(10)).await;
    closed_by_server(&mut silent, Duration::from_secs(10)).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(health(&server).await.expect("served").as_u16(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_beyond_the_limit_waits_for_a_free_slot() {
    let server = start_with(|c| {
        c.max_connections = 2;
        c.header_timeout = Duration::from_secs(60);
    })
    .await;
    let addr = address(&server);
    let first = TcpStream::connect(&addr).await.expect("connect");
    let _second = TcpStream::connect(&addr).await.expect("connect");
    let base = server.base.clone();
    let mut waiting = tokio::spawn(async move {
        one_shot_client()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    // Both slots are held by the idle connections: the third is not served...
    assert!(
        tokio::time::timeout(Duration::from_millis(700), &mut waiting)
            .await
            .is_err(),
        "a third connection was served while two were open with a limit of 2"
    );
    // ...until one of them closes.
    drop(first);
    let status = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("served once a slot is free")
        .expect("the request task")
        .expect("an answer");
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_at_the_limit_do_not_starve_new_clients() {
    let server = start_with(|c| {
        c.max_connections = 2;
        c.header_timeout = Duration::from_millis(500);
    })
    .await;
    let addr = address(&server);
    let mut idle = [
        TcpStream::connect(&addr).await.expect("connect"),
        TcpStream::connect(&addr).await.expect("connect"),
    ];
    let started = Instant::now();
    let status = tokio::time::timeout(Duration::from_secs(10), health(&server))
        .await
        .expect("served once the idle connections time out")
        .expect("an answer");
    assert_eq!(status.as_u16(), 200);
    for stream in &mut idle {
        closed_by_server(stream, Duration::from_secs(1)).await;
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
