//! GET requests may only read: the GraphQL-over-HTTP spec forbids mutations over GET, since
//! a GET can be triggered by a link or a prefetch and may be cached. The check runs after
//! parsing, so it also covers queries that arrive by persisted-query hash.

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, OperationType},
};

/// Request data marking a request that arrived over GET.
#[derive(Clone, Copy)]
pub struct ReadOnlyRequest;

pub struct ReadOnlyOverGet;

impl ExtensionFactory for ReadOnlyOverGet {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ReadOnlyOverGet)
    }
}

#[async_trait::async_trait]
impl Extension for ReadOnlyOverGet {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if ctx.data_opt::<ReadOnlyRequest>().is_some()
            && document
                .operations
                .iter()
                .any(|(_, op)| op.node.ty != OperationType::Query)
        {
            return Err(ServerError::new(
                "mutations and subscriptions are not allowed over GET: use POST",
                None,
            ));
        }
        Ok(document)
    }
}
