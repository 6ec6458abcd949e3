//! [`ApiBase`]: what every client of an outside service holds (the base URL, the
//! credential, the transport, the timeout) and does (join a path, authenticate a
//! request, send it with its timeout), written once. A client adds its endpoints and
//! maps a failed answer to its own error type; its `Debug` can be derived, since the
//! credential is a [`Secret`].

use std::sync::Arc;
use std::time::Duration;

use crate::{HttpRequest, HttpResponse, Secret, Transport, TransportError, JSON_CONTENT_TYPE};

/// How a client authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <token>` (Front, Slack, Stripe, Upstash, Axiom).
    Bearer(Secret),
    /// `Authorization: Basic base64(user:password)` (Langfuse, PlanetScale).
    Basic {
        /// The user (a public key, a username).
        user: String,
        /// The password (a secret key).
        password: Secret,
    },
    /// A header of its own (Anthropic's `x-api-key`).
    Header {
        /// Its name.
        name: &'static str,
        /// Its value.
        value: Secret,
    },
    /// Nothing (an interaction's `response_url`, whose URL is the credential).
    None,
}

impl Credential {
    /// The secret in it, if any (to scrub from a service's error message).
    pub fn secret(&self) -> Option<&Secret> {
        match self {
            Credential::Bearer(secret)
            | Credential::Basic {
                password: secret, ..
            }
            | Credential::Header { value: secret, .. } => Some(secret),
            Credential::None => None,
        }
    }

    /// The header that carries it, if any.
    pub fn header(&self) -> Option<(String, String)> {
        use base64::Engine;
        match self {
            Credential::Bearer(token) => {
                Some(("Authorization".into(), format!("Bearer {}", token.expose())))
            }
            Credential::Basic { user, password } => Some((
                "Authorization".into(),
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{user}:{}", password.expose()))
                ),
            )),
            Credential::Header { name, value } => {
                Some(((*name).to_owned(), value.expose().to_owned()))
            }
            Credential::None => None,
        }
    }
}

/// The base of a client: one per service and credential. Cheap to clone.
#[derive(Clone)]
pub struct ApiBase {
    base_url: String,
    credential: Credential,
    transport: Arc<dyn Transport>,
    timeout: Duration,
    headers: Vec<(String, String)>,
}

impl std::fmt::Debug for ApiBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiBase")
            .field("base_url", &self.base_url)
            .field("credential", &self.credential)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ApiBase {
    /// A base at `base_url` (a trailing slash is dropped) with `credential`, sending
    /// through `transport`, each request given `timeout`.
    pub fn new(
        base_url: impl AsRef<str>,
        credential: Credential,
        transport: Arc<dyn Transport>,
        timeout: Duration,
    ) -> Self {
        Self {
            base_url: base_url.as_ref().trim_end_matches('/').to_owned(),
            credential,
            transport,
            timeout,
            headers: Vec::new(),
        }
    }

    /// Give each request this long.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Send this header with every request (a version, an `Accept`).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `path` (starting with `/`) under the base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A request to `url` with the credential, the common headers and the timeout; a
    /// body goes with a JSON content type.
    pub fn request(&self, method: &str, url: String, body: Option<Vec<u8>>) -> HttpRequest {
        let mut headers: Vec<(String, String)> = self.credential.header().into_iter().collect();
        headers.extend(self.headers.iter().cloned());
        if body.is_some() {
            headers.push(("Content-Type".into(), JSON_CONTENT_TYPE.into()));
        }
        HttpRequest {
            method: method.to_owned(),
            url,
            headers,
            body: body.unwrap_or_default(),
            timeout: self.timeout,
        }
    }

    /// Send a request as it is, whatever the answer's status.
    pub async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.transport.send(request).await
    }

    /// Whether `url` is under this base (a link an answer gives may be followed with
    /// the credential only then).
    pub fn owns(&self, url: &str) -> bool {
        url.strip_prefix(&self.base_url)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorder(Mutex<Vec<HttpRequest>>);

    #[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
    #[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
    impl Transport for Recorder {
        async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
            self.0.lock().unwrap().push(request);
            Ok(HttpResponse::new(200))
        }
    }

    #[test]
    fn each_credential_is_its_header_and_never_its_debug() {
        let basic = Credential::Basic {
            user: "pk-lf-1".into(),
            password: "sk-lf-2".into(),
        };
        assert_eq!(basic.header().unwrap().1, "Basic cGstbGYtMTpzay1sZi0y");
        let bearer = Credential::Bearer("xoxb-3".into());
        assert_eq!(
            bearer.header().unwrap(),
            ("Authorization".into(), "Bearer xoxb-3".into())
        );
        let header = Credential::Header {
            name: "x-api-key",
            value: "sk-ant-4".into(),
        };
        assert_eq!(
            header.header().unwrap(),
            ("x-api-key".into(), "sk-ant-4".into())
        );
        assert_eq!(Credential::None.header(), None);
        let base = ApiBase::new(
            "https://api.example/",
            bearer,
            Arc::new(Recorder::default()),
            Duration::from_secs(3),
        );
        let debug = format!("{base:?} {basic:?} {header:?}");
        assert!(
            !debug.contains("xoxb-3") && !debug.contains("sk-lf-2") && !debug.contains("sk-ant-4"),
            "{debug}"
        );
    }

    #[tokio::test]
    async fn a_request_carries_the_credential_the_common_headers_and_the_timeout() {
        let recorder = Arc::new(Recorder::default());
        let base = ApiBase::new(
            "https://api.example/v1/",
            Credential::Bearer("t".into()),
            recorder.clone(),
            Duration::from_secs(3),
        )
        .with_header("Accept", "application/json")
        .with_timeout(Duration::from_secs(7));
        assert_eq!(base.url("/things"), "https://api.example/v1/things");
        base.send(base.request("POST", base.url("/things"), Some(b"{}".to_vec())))
            .await
            .unwrap();
        let sent = recorder.0.lock().unwrap().pop().unwrap();
        assert_eq!(sent.timeout, Duration::from_secs(7));
        assert_eq!(
            sent.headers,
            [
                ("Authorization".to_owned(), "Bearer t".to_owned()),
                ("Accept".to_owned(), "application/json".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ]
        );
        assert!(base.owns("https://api.example/v1/things?page=2"));
        assert!(!base.owns("https://api.example/v10/things"));
        assert!(!base.owns("https://evil.example/v1/things"));
    }
}
