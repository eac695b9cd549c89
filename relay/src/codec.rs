//! Turning a request body or an MQTT payload into signed readings.
//!
//! Two forms are taken: JSON (one reading as an object, many as an array; byte fields in
//! hex, see [`meter_feed::JsonReading`]) and SCALE bytes of
//! `Vec<SignedReading>`, the codec the energy market itself decodes.

use crate::error::IngestError;
use interfaces::reading::SignedReading;
use meter_feed::JsonReading;
use scale::Decode;

/// How a body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Scale,
}

impl Format {
    /// The format a `content-type` names; `None` for one the relay does not take.
    pub fn from_content_type(content_type: Option<&str>) -> Option<Self> {
        let essence = content_type
            .unwrap_or("application/json")
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" | "text/json" => Some(Self::Json),
            "application/octet-stream" | "application/scale" => Some(Self::Scale),
            _ => None,
        }
    }

    /// An MQTT payload carries no content type: JSON starts with `{` or `[`, which as the
    /// first byte of SCALE would be a compact length in big-integer mode (over 2^30
    /// readings), so the two cannot be confused.
    pub fn sniff(payload: &[u8]) -> Self {
        match payload.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') | Some(b'[') => Self::Json,
            _ => Self::Scale,
        }
    }
}

/// Decodes a body of at most `max_readings` readings. An empty list is refused.
pub fn decode(
    body: &[u8],
    format: Format,
    max_readings: usize,
) -> Result<Vec<SignedReading>, IngestError> {
    let readings = match format {
        Format::Json => decode_json(body, max_readings)?,
        Format::Scale => decode_scale(body, max_readings)?,
    };
    if readings.is_empty() {
        return Err(IngestError::Empty);
    }
    Ok(readings)
}

fn decode_json(body: &[u8], max_readings: usize) -> Result<Vec<SignedReading>, IngestError> {
    let many = matches!(Format::sniff(body), Format::Json)
        && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let json: Vec<JsonReading> = if many {
        serde_json::from_slice(body)
    } else {
        serde_json::from_slice::<JsonReading>(body).map(|one| vec![one])
    }
    .map_err(|e| IngestError::MalformedJson(e.to_string()))?;
    if json.len() > max_readings {
        return Err(IngestError::TooManyReadings {
            count: json.len(),
            max: max_readings,
        });
    }
    json.iter()
        .enumerate()
        .map(|(index, reading)| {
            SignedReading::try_from(reading).map_err(|error| IngestError::BadField {
                index,
                message: error.to_string(),
            })
        })
        .collect()
}

fn decode_scale(body: &[u8], max_readings: usize) -> Result<Vec<SignedReading>, IngestError> {
    let input = &mut &body[..];
    let count = scale::Compact::<u32>::decode(input)
        .map_err(|e| IngestError::MalformedScale(format!("length prefix: {e}")))?
        .0 as usize;
    if count > max_readings {
        return Err(IngestError::TooManyReadings {
            count,
            max: max_readings,
        });
    }
    // every reading takes at least 130 bytes: a length beyond the body is refused before
    // anything is allocated for it
    if count > input.len() / 130 + 1 {
        return Err(IngestError::MalformedScale(format!(
            "{count} readings announced in {} bytes",
            body.len()
        )));
    }
    let mut readings = Vec::with_capacity(count);
    for index in 0..count {
        readings.push(
            SignedReading::decode(input)
                .map_err(|e| IngestError::MalformedScale(format!("reading {index}: {e}")))?,
        );
    }
    if !input.is_empty() {
        return Err(IngestError::MalformedScale(format!(
            "{} bytes after the last reading",
            input.len()
        )));
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use interfaces::reading::MeterReading;
    use meter_feed::to_json;
    use scale::Encode;

    fn signed(seq: u64) -> SignedReading {
        SignedReading {
            reading: MeterReading {
                device: [3; 32],
                seq,
                at_ms: 20,
                import_wh_total: 0,
                export_wh_total: 500,
                vehicle: None,
            },
            signature: [1; 65],
        }
    }

    #[test]
    fn json_one_or_many_and_scale_decode_to_the_same_readings() {
        let two = vec![signed(1), signed(2)];
        assert_eq!(
            decode(to_json(&two).as_bytes(), Format::Json, 10).unwrap(),
            two
        );
        assert_eq!(
            decode(to_json(&two[..1]).as_bytes(), Format::Json, 10).unwrap(),
            two[..1]
        );
        assert_eq!(decode(&two.encode(), Format::Scale, 10).unwrap(), two);
        // the smallest reading is what the size guard assumes
        assert_eq!(signed(1).encode().len(), 130);
    }

    #[test]
    fn each_bad_body_gets_its_own_error() {
        let two = vec![signed(1), signed(2)];
        assert!(matches!(
            decode(b"{\"device\":", Format::Json, 10),
            Err(IngestError::MalformedJson(_))
        ));
        assert!(matches!(
            decode(b"[]", Format::Json, 10),
            Err(IngestError::Empty)
        ));
        let bad_hex = to_json(&two).replacen("0x0303", "0xzz03", 1);
        assert!(matches!(
            decode(bad_hex.as_bytes(), Format::Json, 10),
            Err(IngestError::BadField { index: 0, .. })
        ));
        assert!(matches!(
            decode(to_json(&two).as_bytes(), Format::Json, 1),
            Err(IngestError::TooManyReadings { count: 2, max: 1 })
        ));
        let bytes = two.encode();
        assert!(matches!(
            decode(&bytes[..bytes.len() - 1], Format::Scale, 10),
            Err(IngestError::MalformedScale(_))
        ));
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(matches!(
            decode(&trailing, Format::Scale, 10),
            Err(IngestError::MalformedScale(_))
        ));
        // a huge announced length is refused without allocating
        let huge = scale::Compact(1_000_000u32).encode();
        assert!(matches!(
            decode(&huge, Format::Scale, 2_000_000),
            Err(IngestError::MalformedScale(_))
        ));
        assert!(matches!(
            decode(&bytes, Format::Scale, 1),
            Err(IngestError::TooManyReadings { .. })
        ));
    }

    #[test]
    fn content_types_and_sniffing() {
        assert_eq!(Format::from_content_type(None), Some(Format::Json));
        assert_eq!(
            Format::from_content_type(Some("application/json; charset=utf-8")),
            Some(Format::Json)
        );
        assert_eq!(
            Format::from_content_type(Some("application/octet-stream")),
            Some(Format::Scale)
        );
        assert_eq!(Format::from_content_type(Some("text/plain")), None);
        assert_eq!(Format::sniff(b"  [1]"), Format::Json);
        assert_eq!(Format::sniff(&vec![signed(1)].encode()), Format::Scale);
    }
}
