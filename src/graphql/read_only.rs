//! GET requests may only read: the GraphQL-over-HTTP spec forbids mutations over GET, since
//! a GET can be triggered by a link or a prefetch and may be cached. The check runs after the
//! persisted-query extension has turned a hash into a document, so a mutation cannot slip in
//! through its hash either.

use std::any::TypeId;

use async_graphql::{Request, ServerResult, parser::types::OperationType};

use crate::graphql::error_codes::Refusal;

/// Request data marking a request that arrived over GET.
#[derive(Clone, Copy)]
pub(crate) struct ReadOnlyRequest;

const MUTATION_OVER_GET: &str = "mutations and subscriptions are not allowed over GET: use POST";

/// Refuses a GET request whose document holds a mutation or subscription. Call it after the
/// persisted-query extension has turned a hash into a document.
pub(crate) fn refuse_writes_over_get(request: &mut Request) -> ServerResult<()> {
    if request.data.contains_key(&TypeId::of::<ReadOnlyRequest>()) {
        let document = request.parsed_query()?;
        if document
            .operations
            .iter()
            .any(|(_, op)| op.node.ty != OperationType::Query)
        {
            return Err(Refusal::WriteOverGet.error(MUTATION_OVER_GET));
        }
    }
    Ok(())
}
