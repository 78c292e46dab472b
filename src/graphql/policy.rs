//! Hangar's request policies as one async-graphql extension: error codes, GET is read-only,
//! and the parsed-document cache.
//!
//! One extension, not three: async-graphql runs every field's resolution through the chain of
//! registered extensions, so each extra extension costs a boxed future per field (hundreds per
//! list page) even when it only cares about the request as a whole.

use std::sync::Arc;

use async_graphql::{
    Request, Response, ServerResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
        NextRequest,
    },
    parser::types::ExecutableDocument,
};

use crate::graphql::{document_cache::DocumentCache, error_codes, read_only};

/// Register before the persisted-query extension: it wraps it and sees its result.
pub struct Policy {
    documents: DocumentCache,
}

impl Policy {
    pub fn new(cached_documents: usize) -> Self {
        Self {
            documents: DocumentCache::new(cached_documents),
        }
    }
}

impl ExtensionFactory for Policy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PolicyExtension {
            documents: self.documents.clone(),
        })
    }
}

struct PolicyExtension {
    documents: DocumentCache,
}

#[async_trait::async_trait]
impl Extension for PolicyExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        error_codes::add_codes(&mut response);
        response
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let mut request = next.run(ctx, request).await?;
        read_only::refuse_writes_over_get(&mut request)?;
        Ok(request)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        self.documents.parse(ctx, query, variables, next).await
    }
}
