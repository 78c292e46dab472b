//! GraphQL over HTTP's media types: which request bodies may run (`Content-Type`), which
//! response type a client gets (`Accept`), and how an answer reads in each.
//!
//! `application/graphql-response+json` says what went wrong in the status too: a request error
//! (the operation never ran: syntax, validation, variables) is 400 and has no `data` entry.
//! `application/json`, the legacy type, answers 200 for every well-formed GraphQL answer, as
//! older clients and proxies expect.

use async_graphql::{BatchResponse, ParseRequestError};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse};
use axum::{
    extract::{FromRequest, Request},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::refusal;
use crate::graphql::error_codes::Refusal;

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The response media type of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Media {
    GraphQLResponse,
    Json,
}

impl Media {
    /// `application/graphql-response+json` when the client prefers it (a higher quality, or
    /// the same and listed first); `application/json` otherwise: no `Accept`, `*/*`,
    /// `application/json`, or only types Hangar cannot answer in.
    pub(super) fn negotiate(headers: &HeaderMap) -> Self {
        let mut best: Option<(f32, Media)> = None;
        let ranges = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','));
        for range in ranges {
            let mut parts = range.split(';').map(str::trim);
            let media = match parts.next().map(str::to_ascii_lowercase).as_deref() {
                Some(GRAPHQL_RESPONSE) => Media::GraphQLResponse,
                Some(JSON | "application/*" | "*/*") => Media::Json,
                _ => continue,
            };
            let quality = parts
                .filter_map(|p| p.strip_prefix("q="))
                .find_map(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, media));
            }
        }
        best.map_or(Media::Json, |(_, media)| media)
    }

    pub(super) fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Media::GraphQLResponse => GRAPHQL_RESPONSE,
            Media::Json => JSON,
        })
    }

    /// The answer in this media type, with the status it calls for.
    pub(super) fn render(self, answer: BatchResponse) -> Response {
        let request_error = match &answer {
            BatchResponse::Single(single) => is_request_error(single),
            BatchResponse::Batch(_) => false,
        };
        let mut response = match (self, answer) {
            (Media::GraphQLResponse, BatchResponse::Single(single)) if request_error => {
                let mut body = serde_json::json!({ "errors": single.errors });
                if !single.extensions.is_empty() {
                    body["extensions"] = serde_json::json!(single.extensions);
                }
                (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
            }
            (_, answer) => GraphQLResponse::from(answer).into_response(),
        };
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, self.content_type());
        response
    }
}

/// An answer to an operation that never ran: every error is the request's own (no field path),
/// and there is no data. A persisted-query miss is not one: Apollo Client expects it as an
/// ordinary answer and resends the text.
fn is_request_error(answer: &async_graphql::Response) -> bool {
    answer.data == async_graphql::Value::Null
        && !answer.errors.is_empty()
        && answer
            .errors
            .iter()
            .all(|e| e.path.is_empty() && Refusal::of(e) != Some(Refusal::PersistedQueryNotFound))
}

/// A GraphQL request from `GET` query parameters, a JSON `POST` body (at most
/// `HANGAR_MAX_BODY_BYTES`), or a multipart upload (graphql-multipart-request-spec, files up
/// to `HANGAR_MAX_PHOTO_BYTES`) that carries a CSRF-preventing header. Any other `POST` body
/// (none, `text/plain`, a form, a multipart form without that header) is refused before it is
/// read: a browser may send those cross-site without a preflight, so they must never run an
/// operation.
pub(super) struct GraphQLRequest(pub(super) async_graphql::BatchRequest);

/// Files in one multipart request: a photo per upload field, and room for a few.
const MAX_FILES: usize = 5;

impl FromRequest<super::HttpState> for GraphQLRequest {
    type Rejection = Response;

    async fn from_request(req: Request, state: &super::HttpState) -> Result<Self, Self::Rejection> {
        let config = &state.app.config;
        if req.method() != Method::GET && is_multipart(req.headers()) {
            if !has_preflight_header(req.headers()) {
                // Nothing runs; the body is read and dropped (within the router's limit) so
                // that the client, still sending it, receives the answer instead of a reset
                // connection.
                use futures_util::StreamExt;
                let mut body = req.into_body().into_data_stream();
                while let Some(Ok(_)) = body.next().await {}
                return Err(refusal(
                    StatusCode::BAD_REQUEST,
                    "BAD_USER_INPUT",
                    "a multipart request needs an Apollo-Require-Preflight (or \
                     X-Apollo-Operation-Name) header: it protects against cross-site requests"
                        .into(),
                ));
            }
            return multipart(req, config.max_photo_bytes).await;
        }
        if req.method() != Method::GET && !is_json(req.headers()) {
            return Err(refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "BAD_USER_INPUT",
                "send the GraphQL request as JSON: Content-Type: application/json".into(),
            ));
        }
        // The JSON body's own limit (the router's admits a photo upload).
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, config.max_body_bytes)
            .await
            .map_err(|_| too_large())?;
        let req = Request::from_parts(parts, axum::body::Body::from(body));
        GraphQLBatchRequest::<ParseRejection>::from_request(req, state)
            .await
            .map(|request| Self(request.into_inner()))
            .map_err(|rejection| rejection.0)
    }
}

fn too_large() -> Response {
    refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        "BAD_USER_INPUT",
        "the request body is too large (HANGAR_MAX_BODY_BYTES)".into(),
    )
}

/// Reads a multipart request: its files each within `max_file` (spooled to temporary files by
/// async-graphql), the whole body within the router's limit (`HANGAR_MAX_BODY_BYTES` plus one
/// photo).
async fn multipart(req: Request, max_file: usize) -> Result<GraphQLRequest, Response> {
    use futures_util::TryStreamExt;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = req
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other)
        .into_async_read();
    let body = Paced::new(body);
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(max_file)
        .max_num_files(MAX_FILES);
    async_graphql::http::receive_batch_body(content_type, body, options)
        .await
        .map(GraphQLRequest)
        .map_err(|err| match err {
            ParseRequestError::PayloadTooLarge => refusal(
                StatusCode::PAYLOAD_TOO_LARGE,
                "BAD_USER_INPUT",
                format!("a file is larger than {max_file} bytes (HANGAR_MAX_PHOTO_BYTES)"),
            ),
            other => refusal(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                format!("not a GraphQL multipart request: {other}"),
            ),
        })
}

/// How far multer may read ahead of the file it fills.
const PACE_BYTES: usize = 64 * 1024;

/// A reader that says "not yet" (and wakes its task at once) after every [`PACE_BYTES`].
///
/// multer, under async-graphql's multipart parser, reads its source for as long as the source
/// is ready before it hands on a byte (rwf2/multer#62, closed without a change): from a fast
/// client the whole upload lands in multer's buffer, grown by doubling, before any of it
/// reaches the temporary file — two or three more copies of a photo in memory. Stopping every
/// 64 KiB bounds that buffer; `multer_reads_ahead_no_further_than_the_pace` guards it.
struct Paced<R> {
    inner: R,
    since_pause: usize,
}

impl<R> Paced<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            since_pause: 0,
        }
    }
}

impl<R: futures_util::AsyncRead + Unpin> futures_util::AsyncRead for Paced<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        if self.since_pause >= PACE_BYTES {
            self.since_pause = 0;
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        let read = std::task::ready!(std::pin::Pin::new(&mut self.inner).poll_read(cx, buf))?;
        self.since_pause += read;
        std::task::Poll::Ready(Ok(read))
    }
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Apollo Server's CSRF prevention: a header no HTML form can send, which forces a CORS
/// preflight on a cross-site request.
fn has_preflight_header(headers: &HeaderMap) -> bool {
    ["apollo-require-preflight", "x-apollo-operation-name"]
        .iter()
        .any(|name| headers.get(*name).is_some_and(|v| !v.is_empty()))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == JSON
        })
}

/// A body that is not a GraphQL request (bad JSON, no `query`): 400 with a GraphQL-shaped
/// error, in either media type.
struct ParseRejection(Response);

impl From<ParseRequestError> for ParseRejection {
    fn from(err: ParseRequestError) -> Self {
        let message = match err {
            ParseRequestError::PayloadTooLarge => {
                return Self(refusal(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "BAD_USER_INPUT",
                    "the request body is too large (HANGAR_MAX_BODY_BYTES)".into(),
                ));
            }
            other => format!("not a GraphQL request: {other}"),
        };
        Self(refusal(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", message))
    }
}

impl IntoResponse for ParseRejection {
    fn into_response(self) -> Response {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use futures_util::{AsyncRead, AsyncReadExt};

    use super::{PACE_BYTES, Paced};

    /// An always-ready source that counts what was read from it.
    struct Counted<R>(R, Arc<AtomicUsize>);

    impl<R: AsyncRead + Unpin> AsyncRead for Counted<R> {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
            buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            let poll = std::pin::Pin::new(&mut self.0).poll_read(cx, buf);
            if let std::task::Poll::Ready(Ok(read)) = poll {
                self.1.fetch_add(read, Ordering::Relaxed);
            }
            poll
        }
    }

    /// How much multer has read of a 4 MiB upload when it hands on the file's first bytes,
    /// fed as async-graphql feeds it (2 KiB reads).
    async fn read_ahead(paced: bool) -> usize {
        let mut body =
            b"--B\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.jpg\"\r\n\r\n"
                .to_vec();
        body.extend(std::iter::repeat_n(b'x', 4 << 20));
        body.extend_from_slice(b"\r\n--B--\r\n");
        let counter = Arc::new(AtomicUsize::new(0));
        let source = Counted(futures_util::io::Cursor::new(body), counter.clone());
        let reader: Box<dyn AsyncRead + Unpin + Send> = if paced {
            Box::new(Paced::new(source))
        } else {
            Box::new(source)
        };
        let chunks = futures_util::stream::unfold(reader, |mut reader| async move {
            let mut buf = vec![0; 2048];
            match reader.read(&mut buf).await {
                Ok(0) => None,
                Ok(read) => {
                    buf.truncate(read);
                    Some((Ok::<_, std::io::Error>(buf), reader))
                }
                Err(err) => Some((Err(err), reader)),
            }
        });
        let mut multipart = multer::Multipart::new(chunks, "B");
        let mut field = multipart.next_field().await.unwrap().unwrap();
        field.chunk().await.unwrap().unwrap();
        counter.load(Ordering::Relaxed)
    }

    #[tokio::test]
    async fn multer_reads_ahead_no_further_than_the_pace() {
        let unpaced = read_ahead(false).await;
        assert!(
            unpaced >= 4 << 20,
            "multer#62 is fixed upstream: read {unpaced} bytes ahead"
        );
        let paced = read_ahead(true).await;
        assert!(paced <= 2 * PACE_BYTES, "read {paced} bytes ahead");
    }
}
