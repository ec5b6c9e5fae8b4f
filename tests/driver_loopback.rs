//! The driver's client against the driver's server over loopback TCP: many
//! calls in flight at once, ServiceFaults, renewals, the connection limit,
//! replacing the configuration while running, graceful shutdown.
#![cfg(all(feature = "tokio", feature = "cert-generate"))]

mod driver_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use driver_support::{client_config, identity, server_config, start};
use uasc::StatusCode;
use uasc::codec::{LocalizedText, UaString};
use uasc::driver::{self, Bytes, Client, ClientOptions, Error, Request, Response, ServerOptions};
use uasc::messages::{
    ApplicationDescription, ApplicationType, EndpointDescription, MessageSecurityMode,
    TRANSPORT_PROFILE_UATCP,
};

/// Waits until `condition` holds, at most five seconds.
async fn eventually(mut condition: impl FnMut() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition not reached in 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_calls_in_flight_each_get_their_own_response() {
    let server_id = identity("server", "urn:uasc:test:server", 1);
    let client_id = identity("client", "urn:uasc:test:client", 2);
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let handler = {
        let (running, most, seen) = (running.clone(), most.clone(), seen.clone());
        move |request: Request| {
            let (running, most, seen) = (running.clone(), most.clone(), seen.clone());
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                seen.lock().unwrap().push(request.channel.clone());
                // Later requests are answered sooner: responses come back
                // out of order.
                let n: u64 = std::str::from_utf8(&request.body[4..])
                    .unwrap()
                    .parse()
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(40 - n % 40)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                let mut answer = b"re: ".to_vec();
                answer.extend_from_slice(&request.body);
                Ok(Bytes::from(answer)) as Response
            }
        }
    };
    let (server, url) = start(
        server_config(Some(&server_id)),
        ServerOptions::default(),
        handler,
    )
    .await;
    let config = client_config(&url, Some((&client_id, &server_id.der)));
    let client = driver::connect(&url, config).await.unwrap();
    assert_eq!(client.info().mode, MessageSecurityMode::SignAndEncrypt);
    assert_eq!(
        client.info().peer_certificate.as_deref(),
        Some(&server_id.der[..])
    );

    let mut calls = tokio::task::JoinSet::new();
    for clone in 0..8u64 {
        let client = client.clone();
        calls.spawn(async move {
            let mut inner = tokio::task::JoinSet::new();
            for i in 0..25u64 {
                let client = client.clone();
                let body = format!("req {}", clone * 25 + i);
                inner.spawn(async move { (body.clone(), client.call(body).await) });
            }
            inner.join_all().await
        });
    }
    let mut answered = 0;
    for results in calls.join_all().await {
        for (body, result) in results {
            assert_eq!(result.unwrap(), format!("re: {body}").as_bytes());
            answered += 1;
        }
    }
    assert_eq!(answered, 200);
    assert!(
        most.load(Ordering::SeqCst) > 1,
        "requests were handled one at a time"
    );
    // Each request came with the channel it arrived on.
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 200);
    for info in seen.iter() {
        assert_eq!(info.channel_id, client.info().channel_id);
        assert_eq!(
            info.policy_uri(),
            Some(uasc::policy::BASIC256_SHA256.descriptor().uri)
        );
        assert_eq!(info.mode, MessageSecurityMode::SignAndEncrypt);
        assert_eq!(info.peer_certificate.as_deref(), Some(&client_id.der[..]));
    }
    client.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_refusals_and_panics_are_typed_errors_and_the_channel_stays_open() {
    let handler = |request: Request| async move {
        match &request.body[..] {
            b"refuse" => Err(StatusCode::BAD_SERVICE_UNSUPPORTED),
            b"panic" => panic!("a handler that fails"),
            _ => Ok(request.body),
        }
    };
    let (server, url) = start(server_config(None), ServerOptions::default(), handler).await;
    let client = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap();
    let e = client.call(&b"refuse"[..]).await.unwrap_err();
    assert!(
        matches!(e, Error::ServiceFault { code } if code == StatusCode::BAD_SERVICE_UNSUPPORTED),
        "{e:?}"
    );
    assert_eq!(e.status_code(), StatusCode::BAD_SERVICE_UNSUPPORTED);
    let e = client.call(&b"panic"[..]).await.unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_INTERNAL_ERROR, "{e:?}");
    assert_eq!(client.call(&b"fine"[..]).await.unwrap(), &b"fine"[..]);
    client.close().await.unwrap();
    // After close, calls fail with Closed.
    let e = client.call(&b"fine"[..]).await.unwrap_err();
    assert!(matches!(e, Error::Closed), "{e:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_renew_on_request_and_by_themselves() {
    let mut config = server_config(None);
    // The server grants one second: the client renews at 750 ms.
    config.lifetime_bounds = (1_000, 1_000);
    let handler = |request: Request| async move { Ok(request.body) };
    let (server, url) = start(config, ServerOptions::default(), handler).await;
    let client = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap();
    let first = client.token().unwrap();
    assert_eq!(first.revised_lifetime, Duration::from_secs(1));
    let forced = client.renew().await.unwrap();
    assert_ne!(forced, first.id);
    assert_eq!(client.token().unwrap().id, forced);
    assert_eq!(client.call(&b"after"[..]).await.unwrap(), &b"after"[..]);
    let by_itself = tokio::time::timeout(Duration::from_secs(5), client.renewed())
        .await
        .expect("the channel renews by itself")
        .unwrap();
    assert_ne!(by_itself, forced);
    // Over several lifetimes the channel stays usable.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(client.call(&b"later"[..]).await.unwrap(), &b"later"[..]);
    assert!(client.token().unwrap().id > by_itself);
    client.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_connection_limit_a_client_is_told_the_server_is_too_busy() {
    let mut options = ServerOptions::default();
    options.max_connections = 2;
    let handler = |request: Request| async move { Ok(request.body) };
    let (server, url) = start(server_config(None), options, handler).await;
    let connect = || driver::connect(&url, client_config(&url, None));
    let a = connect().await.unwrap();
    let b = connect().await.unwrap();
    assert_eq!(server.connections(), 2);
    let e = connect().await.unwrap_err();
    assert_eq!(
        e.status_code(),
        StatusCode::BAD_TCP_SERVER_TOO_BUSY,
        "{e:?}"
    );
    // The two served go on.
    assert_eq!(a.call(&b"a"[..]).await.unwrap(), &b"a"[..]);
    assert_eq!(b.call(&b"b"[..]).await.unwrap(), &b"b"[..]);
    // Once one leaves, there is room again.
    a.close().await.unwrap();
    eventually(|| server.connections() == 1).await;
    let c = connect().await.unwrap();
    assert_eq!(c.call(&b"c"[..]).await.unwrap(), &b"c"[..]);
    // Dropping every handle of a client closes its channel too.
    drop(b);
    eventually(|| server.connections() == 1).await;
    c.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_configuration_applies_to_new_connections_only() {
    let old = identity("server", "urn:uasc:test:server", 3);
    let new = identity("server", "urn:uasc:test:server", 4);
    let client_id = identity("client", "urn:uasc:test:client", 5);
    let handler = |request: Request| async move { Ok(request.body) };
    let (server, url) = start(server_config(Some(&old)), ServerOptions::default(), handler).await;
    let before = driver::connect(&url, client_config(&url, Some((&client_id, &old.der))))
        .await
        .unwrap();

    server.set_config(server_config(Some(&new))).unwrap();
    assert_eq!(
        server.config().identity.as_ref().unwrap().certificate[..],
        new.der[..]
    );
    // A new connection gets the new certificate: a client expecting the
    // old one fails, one expecting the new one opens.
    let stale = driver::connect(&url, client_config(&url, Some((&client_id, &old.der)))).await;
    assert!(
        stale.is_err(),
        "a channel opened with the replaced certificate"
    );
    let after = driver::connect(&url, client_config(&url, Some((&client_id, &new.der))))
        .await
        .unwrap();
    assert_eq!(after.info().peer_certificate.as_deref(), Some(&new.der[..]));

    // The channel opened before keeps the old certificate, over a renewal.
    assert_eq!(before.call(&b"old"[..]).await.unwrap(), &b"old"[..]);
    before.renew().await.unwrap();
    assert_eq!(before.call(&b"old"[..]).await.unwrap(), &b"old"[..]);
    assert_eq!(
        before.info().peer_certificate.as_deref(),
        Some(&old.der[..])
    );
    assert_eq!(after.call(&b"new"[..]).await.unwrap(), &b"new"[..]);
    before.close().await.unwrap();
    after.close().await.unwrap();
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish_then_halts() {
    let handler = |request: Request| async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(request.body)
    };
    let (server, url) = start(server_config(None), ServerOptions::default(), handler).await;
    let client = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap();
    let call = {
        let client = client.clone();
        tokio::spawn(async move { client.call(&b"slow"[..]).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.shutdown().await;
    assert_eq!(call.await.unwrap().unwrap(), &b"slow"[..]);
    eventually(|| client.is_closed()).await;
    let e = client.call(&b"more"[..]).await.unwrap_err();
    assert_eq!(e.status_code(), StatusCode::BAD_SERVER_HALTED, "{e:?}");
    // Nothing listens any more.
    let e = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap_err();
    assert_eq!(
        e.status_code(),
        StatusCode::BAD_CONNECTION_REJECTED,
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_fetches_the_endpoints_over_a_none_channel() {
    let server_id = identity("server", "urn:uasc:test:server", 6);
    let der = server_id.der.clone();
    // A handler that answers GetEndpoints with one endpoint.
    let handler = move |request: Request| {
        let der = der.clone();
        async move {
            let mut r = uasc::codec::Reader::new(&request.body);
            let get: uasc::messages::GetEndpointsRequest =
                uasc::messages::decode_message(&mut r).map_err(|e| e.status_code())?;
            let response = uasc::messages::GetEndpointsResponse {
                response_header: uasc::codec::ResponseHeader {
                    request_handle: get.request_header.request_handle,
                    ..Default::default()
                },
                endpoints: Some(vec![EndpointDescription {
                    endpoint_url: get.endpoint_url.clone(),
                    server: ApplicationDescription {
                        application_uri: "urn:uasc:test:server".into(),
                        product_uri: UaString::default(),
                        application_name: LocalizedText::default(),
                        application_type: ApplicationType::Server,
                        gateway_server_uri: UaString::default(),
                        discovery_profile_uri: UaString::default(),
                        discovery_urls: None,
                    },
                    server_certificate: der.into(),
                    security_mode: MessageSecurityMode::SignAndEncrypt,
                    security_policy_uri: uasc::policy::BASIC256_SHA256.descriptor().uri.into(),
                    user_identity_tokens: None,
                    transport_profile_uri: TRANSPORT_PROFILE_UATCP.into(),
                    security_level: 3,
                }]),
            };
            let mut out = Vec::new();
            uasc::messages::encode_message(&response, &mut uasc::codec::Writer::new(&mut out))
                .map_err(|e| e.status_code())?;
            Ok(Bytes::from(out))
        }
    };
    let (server, url) = start(
        server_config(Some(&server_id)),
        ServerOptions::default(),
        handler,
    )
    .await;
    let endpoints = driver::get_endpoints(&url, ClientOptions::default())
        .await
        .unwrap();
    let endpoint = driver::find_endpoint(
        &endpoints,
        uasc::policy::BASIC256_SHA256.descriptor().uri,
        MessageSecurityMode::SignAndEncrypt,
    )
    .unwrap();
    assert_eq!(
        endpoint.server_certificate.0.as_deref(),
        Some(&server_id.der[..])
    );
    assert_eq!(endpoint.endpoint_url.as_str(), Some(url.as_str()));
    assert!(driver::find_endpoint(&endpoints, "urn:nothing", MessageSecurityMode::Sign).is_none());
    // The request handles of one client count up.
    let client: Client = driver::connect(&url, client_config(&url, None))
        .await
        .unwrap();
    let (h1, h2) = (client.next_request_handle(), client.next_request_handle());
    assert_eq!(h2, h1 + 1);
    client.close().await.unwrap();
    server.shutdown().await;
}
