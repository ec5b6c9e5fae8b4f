//! Trust lists indexed by name: each certificate and CRL parsed once, so
//! that a validation parses only the entries whose names can take part in
//! the chain it builds (OPC 10000-4 §6.1.3, steps "Build Certificate
//! Chain" and "Find Revocation List").

use std::collections::HashMap;

use x509_parser::certificate::X509Certificate;

use super::chain::is_self_issued;
use super::crl::Crl;
use super::parse::parse_certificate;
use super::validate::TrustLists;

/// Which entries of a [`TrustLists`] carry which subject Name, and its
/// CRLs parsed, by issuer Name.
///
/// Names are compared as encoded, as the chain and revocation steps compare
/// them (an [`X509Name`](x509_parser::x509::X509Name) equals another
/// exactly when their encodings are equal). Certificates that do not pass
/// the structure check and CRLs that do not parse are left out, as
/// validation leaves them out of chain building and revocation; the trust
/// step still compares the leaf and its issuers with every trusted entry by
/// its encoding, which a certificate that parsed can only equal if that
/// entry parsed too.
#[derive(Debug, Default)]
pub(crate) struct TrustIndex {
    trusted: HashMap<Box<[u8]>, Vec<usize>>,
    issuers: HashMap<Box<[u8]>, Vec<usize>>,
    crls: HashMap<Box<[u8]>, Vec<Crl>>,
}

/// The indices of the certificates in `ders` that parse, by subject Name.
fn by_subject(ders: &[Vec<u8>]) -> HashMap<Box<[u8]>, Vec<usize>> {
    let mut map: HashMap<Box<[u8]>, Vec<usize>> = HashMap::new();
    for (i, der) in ders.iter().enumerate() {
        if let Ok(cert) = parse_certificate(der) {
            map.entry(Box::from(cert.subject().as_raw()))
                .or_default()
                .push(i);
        }
    }
    map
}

/// The certificates found, in the order of their list.
fn in_list_order(mut found: Vec<(usize, X509Certificate<'_>)>) -> Vec<X509Certificate<'_>> {
    found.sort_unstable_by_key(|(i, _)| *i);
    found.into_iter().map(|(_, cert)| cert).collect()
}

impl TrustIndex {
    /// Parses every entry of `lists` once.
    pub(crate) fn new(lists: &TrustLists) -> Self {
        let mut crls: HashMap<Box<[u8]>, Vec<Crl>> = HashMap::new();
        for crl in lists.crls.iter().filter_map(|der| Crl::parse(der)) {
            crls.entry(Box::from(crl.issuer())).or_default().push(crl);
        }
        TrustIndex {
            trusted: by_subject(&lists.trusted),
            issuers: by_subject(&lists.issuers),
            crls,
        }
    }

    /// The CRLs whose issuer Name is `issuer_name`, in list order.
    pub(crate) fn crls_of(&self, issuer_name: &[u8]) -> &[Crl] {
        self.crls.get(issuer_name).map_or(&[], Vec::as_slice)
    }

    /// Whether `der` is on the trusted list of `lists` (which this index was
    /// made from), looked up by its subject Name `subject`.
    pub(crate) fn is_trusted(&self, lists: &TrustLists, subject: &[u8], der: &[u8]) -> bool {
        self.trusted
            .get(subject)
            .into_iter()
            .flatten()
            .filter_map(|&i| lists.trusted.get(i))
            .any(|t| t.as_slice() == der)
    }

    /// The trusted and issuer certificates of `lists` (which this index was
    /// made from) that building a chain for `leaf` with the peer's `sent`
    /// issuers can look at, parsed, each list in its order: every entry
    /// whose subject is the issuer of `leaf`, of a certificate in `sent`,
    /// or of an entry already found, unless that certificate is
    /// self-issued (a chain ends there). Chain building among these finds
    /// the same chain as among all entries, since it only ever looks at
    /// candidates named as the issuer of the certificate it is at.
    pub(crate) fn candidates<'l>(
        &self,
        lists: &'l TrustLists,
        leaf: &X509Certificate<'_>,
        sent: &[X509Certificate<'_>],
    ) -> (Vec<X509Certificate<'l>>, Vec<X509Certificate<'l>>) {
        let mut wanted: Vec<&[u8]> = core::iter::once(leaf)
            .chain(sent)
            .filter(|c| !is_self_issued(c))
            .map(|c| c.tbs_certificate.issuer.as_raw())
            .collect();
        let mut looked_up: Vec<&[u8]> = Vec::new();
        let (mut trusted, mut issuers) = (Vec::new(), Vec::new());
        while let Some(name) = wanted.pop() {
            // Each Name once: then each entry is parsed here at most once.
            if looked_up.contains(&name) {
                continue;
            }
            looked_up.push(name);
            for (map, ders, found) in [
                (&self.trusted, &lists.trusted, &mut trusted),
                (&self.issuers, &lists.issuers, &mut issuers),
            ] {
                for &i in map.get(name).into_iter().flatten() {
                    let Some(cert) = ders.get(i).and_then(|der| parse_certificate(der).ok()) else {
                        continue;
                    };
                    if !is_self_issued(&cert) {
                        wanted.push(cert.tbs_certificate.issuer.as_raw());
                    }
                    found.push((i, cert));
                }
            }
        }
        (in_list_order(trusted), in_list_order(issuers))
    }
}
