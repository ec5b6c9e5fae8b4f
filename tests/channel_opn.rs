//! The OpenSecureChannel exchange checked field by field, in memory: the
//! SecureChannelId of an Issue and of a response (OPC 10000-6 §6.7.4,
//! OPC 10000-4 §5.6.2.2), and the security header of unsigned OPNs
//! (OPC 10000-6 Table 50).

mod common;

use common::opn;
use common::pair::{Pair, client_config, identities, server_config};
use uasc::channel::{ClientState, ServerState};
use uasc::codec::DecodeLimits;
use uasc::messages::{MessageSecurityMode, OpenSecureChannelResponse};
use uasc::policy::NONE;
use uasc::uacp::UacpMessage;
use uasc::{Error, StatusCode};

/// A pair with policy None, the client's HEL delivered and the ACK back,
/// the client's OPN request not yet delivered.
fn none_pair_before_opn(seed: u64) -> Pair {
    let ids = identities();
    let client = client_config(&ids, &NONE, MessageSecurityMode::None);
    let mut pair = Pair::new(client, server_config(&ids), seed);
    pair.deliver_to_server();
    pair.deliver_to_client();
    pair
}

/// The ERR code in `bytes`, if they hold one ERR frame.
fn err_code(bytes: &[u8]) -> Option<StatusCode> {
    match UacpMessage::decode_frame(bytes, DecodeLimits::DEFAULT) {
        Ok(UacpMessage::Error(e)) => Some(e.error),
        _ => None,
    }
}

#[test]
fn an_issue_naming_a_channel_is_refused() {
    // "This parameter shall be null when creating a new SecureChannel":
    // an Issue that names a SecureChannelId, assigned or not, is refused.
    for id in [1u32, 0xDEAD_BEEF] {
        let mut pair = none_pair_before_opn(1);
        pair.collect();
        let mut request = std::mem::take(&mut pair.to_server);
        assert_eq!((&request[..3], opn::channel_id(&request)), (&b"OPN"[..], 0));
        request[8..12].copy_from_slice(&id.to_le_bytes());
        pair.server.handle_input(pair.now, &request);
        pair.collect();
        assert_eq!(pair.server.state(), ServerState::Closed, "{id:#x}");
        assert_eq!(
            Pair::closed(&pair.server_events),
            Some(StatusCode::BAD_TCP_SECURE_CHANNEL_UNKNOWN)
        );
        assert_eq!(
            err_code(&pair.to_client),
            Some(StatusCode::BAD_TCP_SECURE_CHANNEL_UNKNOWN)
        );
    }
}

/// Delivers the client's pending OPN request to the server and the server's
/// response, rewritten by `change`, back to the client.
fn answer_rewritten(
    pair: &mut Pair,
    change: impl FnOnce(&mut u32, &mut OpenSecureChannelResponse),
) {
    pair.deliver_to_server();
    let response = std::mem::take(&mut pair.to_client);
    assert_eq!(&response[..3], b"OPN");
    pair.to_client = opn::rewrite(&response, change);
    pair.deliver_to_client();
}

#[test]
fn a_response_whose_header_and_token_name_different_channels_is_refused() {
    let mut pair = none_pair_before_opn(2);
    answer_rewritten(&mut pair, |header, _| *header ^= 1);
    assert_eq!(pair.client.state(), ClientState::Closed);
    assert_eq!(
        Pair::closed_error(&pair.client_events),
        Some(Some(Error::SecureChannelIdInvalid))
    );
    assert_eq!(pair.client.channel_id(), 0, "nothing adopted");
    // The body alone changed: refused the same way.
    let mut pair = none_pair_before_opn(3);
    answer_rewritten(&mut pair, |_, r| r.security_token.channel_id ^= 1);
    assert_eq!(
        Pair::closed(&pair.client_events),
        Some(StatusCode::BAD_SECURE_CHANNEL_ID_INVALID)
    );
}

#[test]
fn a_renewal_response_for_another_channel_is_refused() {
    let mut pair = none_pair_before_opn(4);
    pair.drive();
    assert_eq!(pair.client.state(), ClientState::Open);
    let id = pair.client.channel_id();
    pair.client.renew(pair.now).unwrap();
    // Header and token agree, but name another channel.
    answer_rewritten(&mut pair, |header, r| {
        *header = id ^ 0x10;
        r.security_token.channel_id = id ^ 0x10;
    });
    assert_eq!(pair.client.state(), ClientState::Closed);
    assert_eq!(
        Pair::closed(&pair.client_events),
        Some(StatusCode::BAD_SECURE_CHANNEL_ID_INVALID)
    );
    assert_eq!(pair.client.channel_id(), id);
}

#[test]
fn unsigned_opns_carry_no_certificate_and_no_thumbprint() {
    // "This field shall be null if the Message is not signed" (Table 50):
    // with policy None, neither end sends its certificate or names the
    // other's, although both have identities configured.
    let ids = identities();
    let mut client = client_config(&ids, &NONE, MessageSecurityMode::None);
    client.identity = Some(ids.client.clone());
    client.server_certificate = Some(ids.server.certificate.clone());
    let mut pair = Pair::new(client, server_config(&ids), 5);
    pair.deliver_to_server();
    pair.deliver_to_client();
    pair.collect();
    let request = pair.to_server.clone();
    pair.deliver_to_server();
    let response = pair.to_client.clone();
    for (what, frame) in [("request", &request), ("response", &response)] {
        let (uri, certificate, thumbprint) = opn::security_header(frame);
        assert_eq!(
            uri, "http://opcfoundation.org/UA/SecurityPolicy#None",
            "{what}"
        );
        assert_eq!(certificate, None, "{what}");
        assert_eq!(thumbprint, None, "{what}");
    }
    pair.drive();
    assert_eq!(pair.client.state(), ClientState::Open);
    assert_eq!(pair.client.peer_certificate(), None);
    assert_eq!(pair.server.peer_certificate(), None);
    assert_eq!(pair.server.own_certificate(), None);
}

#[test]
fn signed_opns_name_both_certificates_and_the_ends_report_them() {
    let ids = identities();
    let mode = MessageSecurityMode::SignAndEncrypt;
    let client = client_config(&ids, &uasc::policy::BASIC256_SHA256, mode);
    let mut pair = Pair::new(client, server_config(&ids), 6);
    pair.open();
    assert_eq!(
        pair.server.peer_certificate(),
        Some(&ids.client.certificate[..])
    );
    assert_eq!(
        pair.client.peer_certificate(),
        Some(&ids.server.certificate[..])
    );
    assert_eq!(
        pair.client.own_certificate(),
        Some(&ids.client.certificate[..])
    );
    assert_eq!(
        pair.server.own_certificate(),
        Some(&ids.server.certificate[..])
    );
    assert_eq!(pair.server.mode(), mode);
    assert_eq!(
        pair.server.policy().unwrap().descriptor().name,
        "Basic256Sha256"
    );
}
