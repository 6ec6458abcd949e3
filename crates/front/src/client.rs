//! The client itself: requests, answers, errors and pagination. The API calls are in
//! `api.rs`.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use support_http::{encode_path_segment, ApiBase, Credential, HttpResponse, Secret, Transport};

use crate::models::{ListBody, Page};
use crate::FrontError;

/// Front's Core API.
pub const DEFAULT_BASE_URL: &str = "https://api2.frontapp.com";
/// How long one request may take unless [`FrontClient::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Most pages a list that follows `_pagination.next` reads before giving up, so a server
/// that keeps answering with a next page cannot keep a step running for ever.
pub const MAX_PAGES: usize = 100;

/// A Front Core API client over any [`Transport`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FrontClient {
    base: ApiBase,
}

impl FrontClient {
    /// A client of the API at `base_url` (e.g. [`DEFAULT_BASE_URL`] or the devkit's
    /// `http://127.0.0.1:8288/front`) authenticated with an API token.
    pub fn new(
        base_url: impl Into<String>,
        api_token: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        let base = ApiBase::new(
            base_url.into(),
            Credential::Bearer(api_token.into()),
            transport,
            DEFAULT_TIMEOUT,
        )
        .with_header("Accept", support_http::JSON_CONTENT_TYPE);
        Self { base }
    }

    /// Give each request this long (default [`DEFAULT_TIMEOUT`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.base = self.base.with_timeout(timeout);
        self
    }

    /// The API's base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base.base_url()
    }

    /// The page `next` points at (a [`Page::next`] from an earlier answer). Only links
    /// to this client's base URL or to Front's own hosts are followed, so an answer can
    /// never send the token elsewhere.
    pub async fn next_page<T: DeserializeOwned>(&self, next: &str) -> Result<Page<T>, FrontError> {
        if !self.is_trusted_link(next) {
            return Err(FrontError::Decode(
                "pagination link to a host that is not Front's".into(),
            ));
        }
        self.page(next.to_owned()).await
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.base.url(path)
    }

    /// Send a request; any non-2xx answer becomes its [`FrontError`].
    pub(crate) async fn send(
        &self,
        method: &str,
        url: String,
        body: Option<Vec<u8>>,
    ) -> Result<HttpResponse, FrontError> {
        let response = self.base.send(self.base.request(method, url, body)).await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(FrontError::from_response(&response))
        }
    }

    /// `GET` a resource.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, FrontError> {
        decode(&self.send("GET", self.url(path), None).await?)
    }

    /// A request with a JSON body whose answer is a resource.
    pub(crate) async fn call<B, T>(
        &self,
        method: &str,
        path: &str,
        body: &B,
    ) -> Result<T, FrontError>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        decode(
            &self
                .send(method, self.url(path), Some(encode(body)?))
                .await?,
        )
    }

    /// A request with a JSON body whose answer has no content (`204`, or a `202`).
    pub(crate) async fn call_no_content<B>(
        &self,
        method: &str,
        path: &str,
        body: &B,
    ) -> Result<(), FrontError>
    where
        B: Serialize + ?Sized,
    {
        self.send(method, self.url(path), Some(encode(body)?))
            .await
            .map(drop)
    }

    /// One page of a list.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        url: String,
    ) -> Result<Page<T>, FrontError> {
        let list: ListBody<T> = decode(&self.send("GET", url, None).await?)?;
        Ok(Page {
            results: list.results,
            next: list
                .pagination
                .and_then(|p| p.next)
                .filter(|next| !next.is_empty()),
        })
    }

    /// Every item of a list, following `_pagination.next` to the end.
    pub(crate) async fn all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, FrontError> {
        let mut page = self.page::<T>(self.url(path)).await?;
        let mut items = std::mem::take(&mut page.results);
        let mut pages = 1;
        while let Some(next) = page.next.take() {
            if pages >= MAX_PAGES {
                return Err(FrontError::Decode(format!(
                    "more than {MAX_PAGES} pages of results"
                )));
            }
            page = self.next_page(&next).await?;
            items.append(&mut page.results);
            pages += 1;
        }
        Ok(items)
    }

    fn is_trusted_link(&self, link: &str) -> bool {
        if self.base.owns(link) {
            return true;
        }
        // Front answers with company hosts (`https://acme.api.frontapp.com/...`).
        let Some(rest) = link.strip_prefix("https://") else {
            return false;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return false;
        }
        let host = authority.split(':').next().unwrap_or_default();
        host.eq_ignore_ascii_case("frontapp.com")
            || host.to_ascii_lowercase().ends_with(".frontapp.com")
    }
}

/// `raw` as one path segment; `what` names the argument in the error.
pub(crate) fn segment(raw: &str, what: &'static str) -> Result<String, FrontError> {
    encode_path_segment(raw).ok_or(FrontError::InvalidId(what))
}

/// `raw` percent-encoded for a query string.
pub(crate) fn query_value(raw: &str) -> String {
    // Same rules as a path segment; only the three dot/empty values it refuses differ,
    // and those need no encoding in a query.
    encode_path_segment(raw).unwrap_or_else(|| raw.to_owned())
}

fn encode<B: Serialize + ?Sized>(body: &B) -> Result<Vec<u8>, FrontError> {
    serde_json::to_vec(body)
        .map_err(|e| FrontError::Decode(format!("cannot encode the request: {e}")))
}

fn decode<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, FrontError> {
    serde_json::from_slice(&response.body).map_err(|e| {
        FrontError::Decode(format!(
            "status {} body is not the documented JSON: {e}",
            response.status
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use support_http::HttpRequest;

    struct Nothing;

    #[async_trait::async_trait]
    impl Transport for Nothing {
        async fn send(
            &self,
            _request: HttpRequest,
        ) -> Result<HttpResponse, support_http::TransportError> {
            Err(support_http::TransportError::Timeout)
        }
    }

    #[test]
    fn debug_output_hides_the_token() {
        let client = FrontClient::new(DEFAULT_BASE_URL, "secret-token-123", Arc::new(Nothing));
        let debug = format!("{client:?}");
        assert!(!debug.contains("secret-token-123"), "{debug}");
        assert!(debug.contains("api2.frontapp.com"));
    }

    #[test]
    fn only_front_and_the_base_url_are_followed() {
        let client = FrontClient::new("http://127.0.0.1:9/front/", "t", Arc::new(Nothing));
        assert_eq!(client.base_url(), "http://127.0.0.1:9/front");
        for ok in [
            "http://127.0.0.1:9/front/tags?page_token=2",
            "https://acme.api.frontapp.com/tags?page_token=x",
            "https://api2.frontapp.com/tags",
        ] {
            assert!(client.is_trusted_link(ok), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:9/frontier/tags",
            "https://evil.example/tags",
            "https://frontapp.com.evil.example/tags",
            "https://user@evil.example@acme.api.frontapp.com/tags",
            "http://acme.api.frontapp.com/tags",
            "https://evilfrontapp.com/tags",
        ] {
            assert!(!client.is_trusted_link(bad), "{bad}");
        }
    }
}
