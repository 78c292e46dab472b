//! The way into the schema for every operation, over HTTP and WebSocket alike: Apollo's
//! Automatic Persisted Queries, the parsed-document cache, "GET only reads", the operation's
//! own DataLoaders, the request timeout, and an `extensions.code` on every error on the way
//! out. Who the operation runs for ([`Caller`]) is added by the transport before it gets here.
//!
//! [`Caller`]: crate::graphql::context::Caller
//!
//! This wraps the schema instead of registering async-graphql extensions on purpose: with even
//! one extension registered, async-graphql sends *every field* of every answer through the
//! extension chain (a boxed future per extension, a type-name string and two registry look-ups
//! per field). A 50-drone page resolves about 1,000 fields; under a profiler that chain was the
//! largest single cost of the list query, and none of these policies needs to see a field.

use std::{any::TypeId, sync::Arc, time::Duration};

use async_graphql::{
    Data, Executor, Request, Response, ServerError, ServerResult,
    extensions::apollo_persisted_queries::{CacheStorage, LruCacheStorage},
    futures_util::stream::{self, BoxStream, StreamExt},
    parser::{
        parse_query,
        types::{ExecutableDocument, OperationType, Selection, SelectionSet},
    },
};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use super::variables;
use crate::{
    graphql::{
        AppSchema, build_schema,
        error_codes::{self, PERSISTED_QUERY_NOT_FOUND, Refusal},
        loaders::Loaders,
        read_only,
    },
    state::AppState,
};

/// Documents kept for Automatic Persisted Queries (an app has a few hundred at most).
const PERSISTED_QUERIES: usize = 1024;
/// Parsed documents kept by their text.
const CACHED_DOCUMENTS: usize = 1024;
/// Texts longer than this are parsed every time (bulk calls with inline items, say).
const MAX_CACHED_TEXT: usize = 16 * 1024;

/// When an operation must be answered by. HTTP sets one for a whole batch; an operation
/// without one (over graphql-ws) gets `HANGAR_REQUEST_TIMEOUT` from when it arrives.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline(pub Instant);

#[derive(Clone)]
pub(crate) struct Gateway {
    schema: AppSchema,
    /// For each operation's loaders.
    db: DatabaseConnection,
    timeout: Duration,
    /// Apollo's persisted queries, by SHA-256 of their text. Bounded LRU: memory stays fixed
    /// whatever clients send.
    persisted: LruCacheStorage,
    /// Parsed documents by exact text: an app sends the same few hundred queries all day, and
    /// parsing each again costs more than the page query it asks for.
    documents: LruCacheStorage,
}

#[derive(Deserialize)]
struct PersistedQuery {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

impl Gateway {
    pub(crate) fn new(state: &AppState) -> Self {
        Self {
            schema: build_schema(state.clone()),
            db: state.db.clone(),
            timeout: state.config.request_timeout,
            persisted: LruCacheStorage::new(PERSISTED_QUERIES),
            documents: LruCacheStorage::new(CACHED_DOCUMENTS),
        }
    }

    /// Gives `request` its parsed document (from a persisted hash, the cache or the parser)
    /// and applies the request-level policies.
    async fn prepare(&self, mut request: Request) -> ServerResult<Request> {
        // PostgreSQL text cannot hold NUL (SQLite can): refuse it everywhere, once, so both
        // engines give the same clear answer instead of a database error.
        if request.query.contains('\0') || request.variables.iter().any(|(_, v)| holds_nul(v)) {
            return Err(ServerError::new(
                "text may not contain the NUL character (U+0000)",
                None,
            ));
        }
        let document = match request.extensions.remove("persistedQuery") {
            Some(value) => self.persisted_document(&request.query, value).await?,
            None => self.document(&request.query).await?,
        };
        variables::check(
            &document,
            request.operation_name.as_deref(),
            &request.variables,
        )?;
        one_root_field_per_subscription(&document, request.operation_name.as_deref())?;
        request.set_parsed_query(document);
        // After the hash has become a document, so a mutation cannot slip in through its hash.
        read_only::refuse_writes_over_get(&mut request)?;
        Ok(request)
    }

    /// Apollo's APQ protocol: a hash alone is a look-up (a miss asks the client to resend the
    /// text); a hash with its text stores the document once the hash checks out.
    async fn persisted_document(
        &self,
        query: &str,
        extension: async_graphql::Value,
    ) -> ServerResult<ExecutableDocument> {
        let persisted = PersistedQuery::deserialize(extension.into_json().unwrap_or_default())
            .map_err(|_| ServerError::new("invalid persistedQuery extension", None))?;
        if persisted.version != 1 {
            return Err(ServerError::new(
                format!(
                    "only version 1 of the persistedQuery extension is supported, not {}",
                    persisted.version
                ),
                None,
            ));
        }
        if query.is_empty() {
            return self
                .persisted
                .get(persisted.sha256_hash)
                .await
                .ok_or_else(|| Refusal::PersistedQueryNotFound.error(PERSISTED_QUERY_NOT_FOUND));
        }
        let hash = format!("{:x}", Sha256::digest(query.as_bytes()));
        if persisted.sha256_hash != hash {
            return Err(ServerError::new(
                "persistedQuery.sha256Hash is not the SHA-256 of the query",
                None,
            ));
        }
        let document = self.document(query).await?;
        self.persisted.set(hash, document.clone()).await;
        Ok(document)
    }

    async fn document(&self, query: &str) -> ServerResult<ExecutableDocument> {
        if query.len() > MAX_CACHED_TEXT {
            return Ok(parse_query(query)?);
        }
        if let Some(document) = self.documents.get(query.to_owned()).await {
            return Ok(document);
        }
        let document = parse_query(query)?;
        self.documents.set(query.to_owned(), document.clone()).await;
        Ok(document)
    }
}

/// A subscription selects exactly one root field (GraphQL spec 5.2.3.1, "Single root field"),
/// which async-graphql does not check: `subscription { a: droneEvents { … } b: droneEvents { … } }`
/// ran two streams side by side on one operation's loaders, where one stream's forgetting
/// (`Loaders::forget`) could not keep the other's answers fresh.
fn one_root_field_per_subscription(
    document: &ExecutableDocument,
    name: Option<&str>,
) -> ServerResult<()> {
    let Some(operation) = variables::selected_operation(document, name) else {
        return Ok(());
    };
    if operation.ty != OperationType::Subscription {
        return Ok(());
    }
    let mut keys = std::collections::HashSet::new();
    let mut visited = std::collections::HashSet::new();
    root_keys(
        document,
        &operation.selection_set.node,
        &mut keys,
        &mut visited,
    );
    if keys.len() > 1 {
        return Err(ServerError::new(
            format!(
                "a subscription selects exactly one root field, not {} (GraphQL spec 5.2.3.1): \
                 subscribe to each separately",
                keys.len()
            ),
            None,
        ));
    }
    Ok(())
}

/// The response keys a selection set contributes at its own level, through fragments.
fn root_keys<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    keys: &mut std::collections::HashSet<&'a str>,
    visited: &mut std::collections::HashSet<&'a str>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                keys.insert(field.node.response_key().node.as_str());
            }
            Selection::InlineFragment(fragment) => {
                root_keys(document, &fragment.node.selection_set.node, keys, visited);
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                // A cycle is the validator's to report; here it must only not loop.
                if visited.insert(name)
                    && let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node)
                {
                    root_keys(document, &fragment.node.selection_set.node, keys, visited);
                }
            }
        }
    }
}

fn holds_nul(value: &async_graphql::Value) -> bool {
    use async_graphql::Value;
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

fn refused(error: ServerError) -> Response {
    let mut response = Response::from_errors(vec![error]);
    error_codes::add_codes(&mut response);
    response
}

/// The kind of operation `request` will run.
fn operation_type(request: &mut Request) -> Option<OperationType> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    variables::selected_operation(document, name.as_deref()).map(|op| op.ty)
}

impl Gateway {
    fn deadline(&self, request: &Request) -> Instant {
        request
            .data
            .get(&TypeId::of::<Deadline>())
            .and_then(|d| d.downcast_ref::<Deadline>())
            .map_or_else(|| Instant::now() + self.timeout, |d| d.0)
    }

    /// The answer of an operation dropped at its deadline.
    fn timed_out(&self) -> Response {
        refused(Refusal::TimedOut.error(format!(
            "the request did not finish within {}; nothing it was writing was kept",
            humantime::format_duration(self.timeout)
        )))
    }

    async fn run(&self, request: Request) -> Response {
        let mut request = match self.prepare(request).await {
            Ok(request) => request,
            Err(error) => return refused(error),
        };
        // Per operation: a loader's cache never outlives the operation it serves.
        request.data.insert(Loaders::new(&self.db));
        let mut response = self.schema.execute(request).await;
        error_codes::add_codes(&mut response);
        response
    }
}

impl Executor for Gateway {
    /// Past its deadline the operation is dropped mid-flight: its transaction rolls back.
    async fn execute(&self, request: Request) -> Response {
        let deadline = self.deadline(&request);
        // The rest of an HTTP batch whose deadline has passed does not start (a timeout polls
        // its future once before it looks at the clock).
        if Instant::now() >= deadline {
            return self.timed_out();
        }
        let operation = request.operation_name.clone();
        match tokio::time::timeout_at(deadline, self.run(request)).await {
            Ok(response) => response,
            Err(_) => {
                tracing::warn!(timeout = ?self.timeout, operation, "operation timed out");
                self.timed_out()
            }
        }
    }

    /// graphql-ws: a subscription streams for as long as the client wants it, with loaders
    /// that start afresh for each event; a query or mutation is one answer with its loaders
    /// and deadline, exactly as over HTTP.
    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let gateway = self.clone();
        let deadline = self.deadline(&request);
        let session_data = session_data.unwrap_or_default();
        let prepared = async move {
            let request = gateway.prepare(request).await;
            (gateway, request)
        };
        stream::once(prepared)
            .flat_map(move |(gateway, prepared)| {
                let mut request = match prepared {
                    Ok(request) => request,
                    Err(error) => return stream::once(async move { refused(error) }).boxed(),
                };
                let add_codes = |mut response: Response| {
                    error_codes::add_codes(&mut response);
                    response
                };
                // Per operation: a loader's cache never outlives the operation it serves (a
                // subscription's forgets between events: `Loaders::forget`).
                request.data.insert(Loaders::new(&gateway.db));
                if operation_type(&mut request) == Some(OperationType::Subscription) {
                    return gateway
                        .schema
                        .execute_stream_with_session_data(request, session_data.clone())
                        .map(add_codes)
                        .boxed();
                }
                let mut answer = gateway
                    .schema
                    .execute_stream_with_session_data(request, session_data.clone());
                stream::once(async move {
                    match tokio::time::timeout_at(deadline, answer.next()).await {
                        Ok(Some(response)) => add_codes(response),
                        Ok(None) => Response::default(),
                        Err(_) => {
                            tracing::warn!(timeout = ?gateway.timeout, "operation over graphql-ws timed out");
                            gateway.timed_out()
                        }
                    }
                })
                .boxed()
            })
            .boxed()
    }
}
