//! DiagnosticInfo (OPC 10000-6 §5.2.2.12).

use super::{Decode, Encode, Reader, UaString, Writer};
use crate::{Error, Result, StatusCode};

/// Vendor-specific diagnostics attached to a StatusCode.
///
/// The structure is recursive through `inner_diagnostic_info`; decoding stops
/// at [`super::DecodeLimits::max_nesting_depth`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiagnosticInfo {
    /// Index into the string table of the symbolic id.
    pub symbolic_id: Option<i32>,
    /// Index into the string table of the namespace URI.
    pub namespace_uri: Option<i32>,
    /// Index into the string table of the locale.
    pub locale: Option<i32>,
    /// Index into the string table of the localized text.
    pub localized_text: Option<i32>,
    /// Free-form detail.
    pub additional_info: Option<UaString>,
    /// A StatusCode from an underlying system.
    pub inner_status_code: Option<StatusCode>,
    /// Diagnostics for `inner_status_code`.
    pub inner_diagnostic_info: Option<Box<DiagnosticInfo>>,
}

const SYMBOLIC_ID: u8 = 0x01;
const NAMESPACE_URI: u8 = 0x02;
const LOCALIZED_TEXT: u8 = 0x04;
const LOCALE: u8 = 0x08;
const ADDITIONAL_INFO: u8 = 0x10;
const INNER_STATUS_CODE: u8 = 0x20;
const INNER_DIAGNOSTIC_INFO: u8 = 0x40;

impl DiagnosticInfo {
    fn mask(&self) -> u8 {
        let bit = |present: bool, b: u8| if present { b } else { 0 };
        bit(self.symbolic_id.is_some(), SYMBOLIC_ID)
            | bit(self.namespace_uri.is_some(), NAMESPACE_URI)
            | bit(self.localized_text.is_some(), LOCALIZED_TEXT)
            | bit(self.locale.is_some(), LOCALE)
            | bit(self.additional_info.is_some(), ADDITIONAL_INFO)
            | bit(self.inner_status_code.is_some(), INNER_STATUS_CODE)
            | bit(self.inner_diagnostic_info.is_some(), INNER_DIAGNOSTIC_INFO)
    }
}

impl Encode for DiagnosticInfo {
    fn encode(&self, w: &mut Writer<'_>) -> Result<()> {
        w.write_u8(self.mask());
        // Field order of OPC 10000-6 Table 18: SymbolicId, NamespaceUri,
        // Locale, LocalizedText, AdditionalInfo, InnerStatusCode, Inner.
        for v in [
            self.symbolic_id,
            self.namespace_uri,
            self.locale,
            self.localized_text,
        ]
        .into_iter()
        .flatten()
        {
            w.write_i32(v);
        }
        if let Some(s) = &self.additional_info {
            s.encode(w)?;
        }
        if let Some(c) = self.inner_status_code {
            c.encode(w)?;
        }
        if let Some(inner) = &self.inner_diagnostic_info {
            inner.encode(w)?;
        }
        Ok(())
    }
}

impl<'a> Decode<'a> for DiagnosticInfo {
    fn decode(r: &mut Reader<'a>) -> Result<Self> {
        r.nested(|r| {
            let mask = r.read_u8()?;
            if mask & 0x80 != 0 {
                return Err(Error::Decoding("unknown DiagnosticInfo mask bits"));
            }
            let mut opt_i32 = |bit: u8| -> Result<Option<i32>> {
                if mask & bit != 0 {
                    r.read_i32().map(Some)
                } else {
                    Ok(None)
                }
            };
            let symbolic_id = opt_i32(SYMBOLIC_ID)?;
            let namespace_uri = opt_i32(NAMESPACE_URI)?;
            let locale = opt_i32(LOCALE)?;
            let localized_text = opt_i32(LOCALIZED_TEXT)?;
            let additional_info = if mask & ADDITIONAL_INFO != 0 {
                Some(UaString::decode(r)?)
            } else {
                None
            };
            let inner_status_code = if mask & INNER_STATUS_CODE != 0 {
                Some(StatusCode::decode(r)?)
            } else {
                None
            };
            let inner_diagnostic_info = if mask & INNER_DIAGNOSTIC_INFO != 0 {
                Some(Box::new(DiagnosticInfo::decode(r)?))
            } else {
                None
            };
            Ok(DiagnosticInfo {
                symbolic_id,
                namespace_uri,
                locale,
                localized_text,
                additional_info,
                inner_status_code,
                inner_diagnostic_info,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::codec::{DecodeLimits, decode_exact, encode_to_vec};

    #[test]
    fn field_order_and_nesting_limit() {
        let d = DiagnosticInfo {
            locale: Some(2),
            localized_text: Some(3),
            ..Default::default()
        };
        assert_eq!(encode_to_vec(&d).unwrap(), [0x0C, 2, 0, 0, 0, 3, 0, 0, 0]);

        // 0x40 repeated: each level announces an inner DiagnosticInfo.
        let deep = vec![0x40u8; 101];
        assert_eq!(
            decode_exact::<DiagnosticInfo>(&deep, DecodeLimits::DEFAULT),
            Err(Error::EncodingLimitsExceeded("nesting depth"))
        );
        let mut ok = vec![0x40u8; 99];
        ok.push(0);
        assert!(decode_exact::<DiagnosticInfo>(&ok, DecodeLimits::DEFAULT).is_ok());
    }
}
