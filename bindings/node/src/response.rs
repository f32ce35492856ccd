//! `ApiResponse`: what an API call through the Rust transport answered.

use authflow::HttpResponse;
use napi::bindgen_prelude::Buffer;
use napi::Env;

use crate::error::OrThrow;

/// An API response: `status`, `headers`, `body` (a Buffer), `text()`, `json()`.
#[napi]
pub struct ApiResponse {
    inner: HttpResponse,
}

impl From<HttpResponse> for ApiResponse {
    fn from(inner: HttpResponse) -> ApiResponse {
        ApiResponse { inner }
    }
}

#[napi]
impl ApiResponse {
    /// The HTTP status.
    #[napi(getter)]
    pub fn status(&self) -> u32 {
        u32::from(self.inner.status)
    }

    /// True for 2xx.
    #[napi(getter)]
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.inner.status)
    }

    /// `[name, value]` pairs, in order.
    #[napi(getter)]
    pub fn headers(&self) -> Vec<(String, String)> {
        self.inner.headers.clone()
    }

    /// The first header with this name (any case).
    #[napi]
    pub fn header(&self, name: String) -> Option<String> {
        self.inner.header(&name).map(str::to_owned)
    }

    /// The body bytes.
    #[napi(getter)]
    pub fn body(&self) -> Buffer {
        self.inner.body.clone().into()
    }

    /// The body as UTF-8 text.
    #[napi]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.inner.body).into_owned()
    }

    /// The body parsed as JSON; `ERR_UNEXPECTED_RESPONSE` if it is not JSON.
    #[napi(ts_return_type = "any")]
    pub fn json(&self, env: Env) -> napi::Result<serde_json::Value> {
        authflow_bind::values::response_json(&self.inner).or_throw(&env)
    }
}
