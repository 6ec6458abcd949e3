//! Request bodies read under a cap: the declared `Content-Length` is checked before
//! anything is read, and a running total stops a body without a declared length as soon
//! as it passes the cap (nothing unbounded is ever buffered).

/// Why a request body was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The body is (or declares itself) larger than `limit` bytes.
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// Reading failed (the client went away, the stream broke...), described.
    Read(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => {
                write!(f, "request body larger than {limit} bytes")
            }
            BodyError::Read(detail) => write!(f, "could not read the request body: {detail}"),
        }
    }
}

impl std::error::Error for BodyError {}

/// Checks a declared `Content-Length` against `limit` before anything is read.
///
/// `Ok(Some(n))`: `n` bytes are declared, within the cap. `Ok(None)`: no usable length
/// is declared (absent, or not a plain decimal number): read under a running cap with
/// [`CappedBody`]. `Err(TooLarge)`: over the cap; do not read the body.
///
/// ```
/// use support_http::{check_content_length, BodyError};
///
/// assert_eq!(check_content_length(Some("12"), 1024), Ok(Some(12)));
/// assert_eq!(check_content_length(None, 1024), Ok(None));
/// assert_eq!(
///     check_content_length(Some("4096"), 1024),
///     Err(BodyError::TooLarge { limit: 1024 })
/// );
/// ```
pub fn check_content_length(
    content_length: Option<&str>,
    limit: usize,
) -> Result<Option<usize>, BodyError> {
    let Some(value) = content_length.map(str::trim) else {
        return Ok(None);
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    // All digits: a parse failure can only be an overflow, which is over any cap.
    match value.parse::<u64>() {
        Ok(declared) if declared <= limit as u64 => Ok(Some(declared as usize)),
        _ => Err(BodyError::TooLarge { limit }),
    }
}

/// A body being read chunk by chunk with a running total: [`push`](Self::push) fails
/// with [`BodyError::TooLarge`] as soon as the total passes the cap, before the chunk
/// that passes it is kept.
///
/// ```
/// use support_http::{BodyError, CappedBody};
///
/// let mut body = CappedBody::new(8);
/// body.push(b"hello").unwrap();
/// assert_eq!(body.push(b" world"), Err(BodyError::TooLarge { limit: 8 }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CappedBody {
    limit: usize,
    bytes: Vec<u8>,
}

impl CappedBody {
    /// An empty body capped at `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            bytes: Vec::new(),
        }
    }

    /// An empty body capped at `limit` bytes with room for `expected` (clamped to the
    /// cap), e.g. a declared length.
    pub fn with_capacity(limit: usize, expected: usize) -> Self {
        Self {
            limit,
            bytes: Vec::with_capacity(expected.min(limit)),
        }
    }

    /// Adds a chunk; `Err(TooLarge)` when the total would pass the cap.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), BodyError> {
        if chunk.len() > self.limit - self.bytes.len() {
            return Err(BodyError::TooLarge { limit: self.limit });
        }
        self.bytes.extend_from_slice(chunk);
        Ok(())
    }

    /// Bytes read so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was read yet.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The cap.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// The body read.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_lengths() {
        assert_eq!(check_content_length(Some("0"), 10), Ok(Some(0)));
        assert_eq!(check_content_length(Some("10"), 10), Ok(Some(10)));
        assert_eq!(check_content_length(Some(" 7 "), 10), Ok(Some(7)));
        assert_eq!(
            check_content_length(Some("11"), 10),
            Err(BodyError::TooLarge { limit: 10 })
        );
        assert_eq!(
            check_content_length(Some("99999999999999999999999999"), 10),
            Err(BodyError::TooLarge { limit: 10 })
        );
    }

    #[test]
    fn unusable_lengths_fall_back_to_the_running_cap() {
        for value in [
            None,
            Some(""),
            Some("-1"),
            Some("1e3"),
            Some("ten"),
            Some("+5"),
        ] {
            assert_eq!(check_content_length(value, 10), Ok(None), "{value:?}");
        }
    }

    #[test]
    fn the_running_cap_stops_at_the_chunk_that_passes_it() {
        let mut body = CappedBody::new(10);
        body.push(b"12345").unwrap();
        body.push(b"").unwrap();
        body.push(b"67890").unwrap();
        assert_eq!(body.len(), 10);
        assert_eq!(body.push(b"x"), Err(BodyError::TooLarge { limit: 10 }));
        assert_eq!(body.into_bytes(), b"1234567890");

        let mut big = CappedBody::with_capacity(4, usize::MAX);
        assert_eq!(big.push(&[0; 5]), Err(BodyError::TooLarge { limit: 4 }));
        assert!(big.is_empty());
    }

    #[test]
    fn a_zero_cap_takes_only_empty_bodies() {
        let mut body = CappedBody::new(0);
        body.push(b"").unwrap();
        assert_eq!(body.push(b"a"), Err(BodyError::TooLarge { limit: 0 }));
    }
}
