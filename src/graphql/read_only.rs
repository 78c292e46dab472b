//! GET requests may only read: the GraphQL-over-HTTP spec forbids mutations over GET, since
//! a GET can be triggered by a link or a prefetch and may be cached. The check runs after the
//! persisted-query extension has turned a hash into a document, so a mutation cannot slip in
//! through its hash either.

use std::{any::TypeId, sync::Arc};

use async_graphql::{
    Request, ServerError, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::types::OperationType,
};

/// Request data marking a request that arrived over GET.
#[derive(Clone, Copy)]
pub struct ReadOnlyRequest;

pub const MUTATION_OVER_GET: &str =
    "mutations and subscriptions are not allowed over GET: use POST";

/// Register before the persisted-query extension: it wraps it and sees its result.
pub struct ReadOnlyOverGet;

impl ExtensionFactory for ReadOnlyOverGet {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ReadOnlyOverGet)
    }
}

#[async_trait::async_trait]
impl Extension for ReadOnlyOverGet {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let mut request = next.run(ctx, request).await?;
        if request.data.contains_key(&TypeId::of::<ReadOnlyRequest>()) {
            let document = request.parsed_query()?;
            if document
                .operations
                .iter()
                .any(|(_, op)| op.node.ty != OperationType::Query)
            {
                return Err(ServerError::new(MUTATION_OVER_GET, None));
            }
        }
        Ok(request)
    }
}
