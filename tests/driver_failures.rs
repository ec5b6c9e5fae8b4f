//! The driver's client when the network or the server fails: no answer to
//! the handshake or to a request, a hang-up before and after the channel
//! opened, an ERR, nothing listening, a bad URL. Each is an error with its
//! StatusCode, never a panic or a hang.
#![cfg(all(feature = "tokio", feature = "cert-generate"))]

mod driver_support;

use std::time::{Duration, Instant};

use driver_support::{client_config, server_config, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use uasc::StatusCode;
use uasc::driver::{self, Client, ClientOptions, Error, Request, ServerOptions};
use uasc::uacp::{ErrorMessage, UacpMessage};

/// A listener on loopback that does `then` with every connection it
/// accepts, after reading the first bytes (the Hello).
async fn fake_server<F, Fut>(then: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("opc.tcp://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut hello = [0u8; 8];
            let _ = stream.read_exact(&mut hello).await;
            tokio::spawn(then(stream));
        }
    });
    url
}

#[tokio::test]
async fn a_server_that_never_answers_the_handshake_gives_the_timeout() {
    let url = fake_server(|mut stream| async move {
        // Reads for ever, answers nothing.
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await.is_ok_and(|n| n > 0) {}
    })
    .await;
    let mut config = client_config(&url, None);
    config.timeouts.handshake = Duration::from_millis(300);
    let start = Instant::now();
    let e = driver::connect(&url, config).await.unwrap_err();
    assert!(
        matches!(e, Error::Channel(uasc::Error::Timeout(_))),
        "{e:?}"
    );
    assert_eq!(e.status_code(), StatusCode::BAD_TIMEOUT);
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// A server that echoes every request but `never`, which it never
/// answers, and a client of it whose requests time out after 200 ms.
async fn echo_that_never_answers_never() -> (driver::Server, Client) {
    let handler = |request: Request| async move {
        if &request.body[..] == b"never" {
            std::future::pending::<()>().await;
        }
        Ok(request.body)
    };
    let (server, url) = start(server_config(None), ServerOptions::default(), handler).await;
    let mut options = ClientOptions::default();
    options.request_timeout = Duration::from_millis(200);
    let client = Client::connect(&url, client_config(&url, None), options)
        .await
        .unwrap();
    (server, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_an_answer_times_out_and_the_channel_stays_open() {
    let (server, client) = echo_that_never_answers_never().await;
    let start = Instant::now();
    let e = client.call(&b"never"[..]).await.unwrap_err();
    assert!(matches!(e, Error::Timeout), "{e:?}");
    assert_eq!(e.status_code(), StatusCode::BAD_TIMEOUT);
    assert!(start.elapsed() >= Duration::from_millis(200));
    assert!(start.elapsed() < Duration::from_secs(5));
    // A timeout of its own for one call.
    let e = client
        .call_with_timeout(&b"never"[..], Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Timeout), "{e:?}");
    // The channel is still there.
    assert_eq!(
        client.call(&b"answered"[..]).await.unwrap(),
        &b"answered"[..]
    );
    assert!(!client.is_closed());
    client.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn a_stopping_server_lets_go_of_a_client_that_closes_while_a_handler_never_ends() {
    let (server, client) = echo_that_never_answers_never().await;
    // A handler that never ends keeps the connection from going idle.
    let e = client.call(&b"never"[..]).await.unwrap_err();
    assert!(matches!(e, Error::Timeout), "{e:?}");
    let shutdown = tokio::spawn(server.shutdown());
    // Once the server stops, a new request is refused, and said so.
    let refused = loop {
        match client.call(&b"late"[..]).await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(e) => break e,
        }
    };
    assert!(
        matches!(
            refused,
            Error::ServiceFault {
                code: StatusCode::BAD_SERVER_HALTED,
                ..
            }
        ),
        "{refused:?}"
    );
    // The client leaves: its connection ends although its handler never
    // will, and so does the shutdown.
    client.close().await.unwrap();
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .expect("the shutdown ends once the client has left")
        .unwrap();
}

/// `e` says that the peer hung up: the end of the stream, or a reset.
fn assert_hang_up(e: &Error) {
    assert!(
        matches!(
            e,
            Error::Channel(uasc::Error::ConnectionClosed) | Error::Io(_)
        ),
        "{e:?}"
    );
    assert_eq!(e.status_code(), StatusCode::BAD_CONNECTION_CLOSED, "{e:?}");
}

#[tokio::test]
async fn a_server_that_hangs_up_mid_handshake_is_a_typed_error() {
    let url = fake_server(|stream| async move { drop(stream) }).await;
    let e = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap_err();
    assert_hang_up(&e);
}

#[tokio::test]
async fn a_server_answering_err_gives_its_code() {
    let url = fake_server(|mut stream| async move {
        let mut frame = Vec::new();
        UacpMessage::Error(ErrorMessage {
            error: StatusCode::BAD_TCP_SERVER_TOO_BUSY,
            reason: "busy".into(),
        })
        .encode_frame(&mut frame)
        .unwrap();
        let _ = stream.write_all(&frame).await;
        let _ = stream.shutdown().await;
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await.is_ok_and(|n| n > 0) {}
    })
    .await;
    let e = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap_err();
    assert_eq!(
        e.status_code(),
        StatusCode::BAD_TCP_SERVER_TOO_BUSY,
        "{e:?}"
    );
}

/// Forwards one connection at a time to `target` until `cut` is sent; then
/// drops both sockets.
async fn proxy(target: std::net::SocketAddr) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("opc.tcp://{}", listener.local_addr().unwrap());
    let (cut, cut_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut inbound, _) = listener.accept().await.unwrap();
        let mut outbound = tokio::net::TcpStream::connect(target).await.unwrap();
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
            _ = cut_rx => {}
        }
    });
    (url, cut)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_hangs_up_with_a_call_in_flight_is_a_typed_error() {
    let handler = |_: Request| async move {
        std::future::pending::<()>().await;
        Ok(driver::Bytes::new())
    };
    let (server, target) = start(server_config(None), ServerOptions::default(), handler).await;
    let (url, cut) = proxy(server.local_addr()).await;
    let mut config = client_config(&url, None);
    config.endpoint_url = target;
    let client = driver::connect(&url, config).await.unwrap();
    let call = {
        let client = client.clone();
        tokio::spawn(async move { client.call(&b"hang"[..]).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let start = Instant::now();
    cut.send(()).unwrap();
    // The call ends with the hang-up, long before its 30 s timeout.
    let e = call.await.unwrap().unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_hang_up(&e);
    // So do the calls after it, and close says so too.
    let again = client.call(&b"again"[..]).await.unwrap_err();
    assert_eq!(again.status_code(), StatusCode::BAD_CONNECTION_CLOSED);
    assert!(client.is_closed());
    assert_eq!(
        client.close().await.unwrap_err().status_code(),
        StatusCode::BAD_CONNECTION_CLOSED
    );
    server.shutdown().await;
}

#[tokio::test]
async fn nothing_listening_and_bad_urls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("opc.tcp://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e:?}");
    assert_eq!(e.status_code(), StatusCode::BAD_CONNECTION_REJECTED);

    let bad = "http://127.0.0.1:4840";
    let e = driver::connect(bad, client_config(bad, None))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidUrl(_)), "{e:?}");
    assert_eq!(e.status_code(), StatusCode::BAD_TCP_ENDPOINT_URL_INVALID);
}
