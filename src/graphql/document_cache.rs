//! Parsed documents, remembered by their text: an app sends the same few hundred queries all
//! day, and parsing each again costs more than the page query it asks for. Bounded LRU (the
//! same store Automatic Persisted Queries use), keyed by the exact text.

use async_graphql::{
    ServerResult, Variables,
    extensions::{
        ExtensionContext, NextParseQuery,
        apollo_persisted_queries::{CacheStorage, LruCacheStorage},
    },
    parser::types::ExecutableDocument,
};

/// Texts longer than this are parsed every time (bulk calls with inline items, say).
const MAX_CACHED_TEXT: usize = 16 * 1024;

#[derive(Clone)]
pub struct DocumentCache(LruCacheStorage);

impl DocumentCache {
    pub fn new(capacity: usize) -> Self {
        Self(LruCacheStorage::new(capacity))
    }

    /// The parsed document of `query`, from the cache or from `next` (the parser).
    pub async fn parse(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // An empty text is a persisted query whose document the APQ extension already holds:
        // async-graphql still calls this hook (with ""), and caching "" would hand that first
        // document to every later persisted query.
        if query.is_empty() || query.len() > MAX_CACHED_TEXT {
            return next.run(ctx, query, variables).await;
        }
        if let Some(document) = self.0.get(query.to_owned()).await {
            return Ok(document);
        }
        let document = next.run(ctx, query, variables).await?;
        self.0.set(query.to_owned(), document.clone()).await;
        Ok(document)
    }
}
