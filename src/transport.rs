//! How operations reach the schema: HTTP ([`http`]), graphql-ws ([`ws`]) and the one way into
//! the schema both share ([`gateway`]). Everything Hangar does *around* async-graphql, where
//! async-graphql (or a crate under it) falls short of a specification or of a target, lives
//! here, each with the upstream issue it works around. Drop a workaround when its upstream
//! issue is fixed in a release; the test named beside it says whether the release is right.
//!
//! | where | what async-graphql does | what Hangar does | upstream | guard |
//! | --- | --- | --- | --- | --- |
//! | [`gateway`] | with one extension registered (APQ, a document cache), every field of every answer goes through the extension chain: a boxed future per extension and registry look-ups per field | Automatic Persisted Queries, the parsed-document cache, "GET only reads", per-operation loaders and deadlines around the schema, no extension | none filed (performance, not a bug); `bench/PROFILE.md` has the profile | `api::http`, `bench/` |
//! | [`variables`] | coerces a variable only where an argument uses it, against the argument's type: `$id: ID!` with `null` reached a nullable argument | checks every variable against its declared type first, as the spec's CoerceVariableValues asks: BAD_USER_INPUT, nothing runs | none found (async-graphql#1486 is the neighbouring default-value rule); to be reported | `api::hostile_input` |
//! | [`http::media`] | async-graphql-axum answers every request `200 application/json` | GraphQL over HTTP's media types: `application/graphql-response+json` with 400 and no `data` for request errors, `Accept` negotiation, POST bodies a browser can send cross-site without a preflight refused unread | none found; the GraphQL-over-HTTP audit (`clients/apollo/test/graphql-http-audit.mjs`) is the reference | `api::graphql_over_http` |
//! | [`http::media`] (`Paced`) | multer, under the multipart parser, buffers a whole upload from a fast client before writing any of it | reads at most 64 KiB ahead | rwf2/multer#62 (closed without a change) | `multer_reads_ahead_no_further_than_the_pace` |
//! | [`ws::protocol`] | closes with 1002/1011/3008, reasons past RFC 6455's 123 bytes, or not at all (a repeated operation id replaced the first) | the close codes of graphql-ws's PROTOCOL.md: 4400, 4401, 4408, 4409, 4429 | none found; graphql-ws's own client is the reference (`clients/apollo/test/graphql-ws.mjs`) | `api::graphql_over_ws` |
//!
//! Inside async-graphql itself (vendor/README.md): upstream's async-graphql#1806 (a revert of
//! #1746, in 8.0.0-rc.3 and not in any 7.x release), which restores selection order and the
//! spec's null propagation (`api::field_order`), and the `Upload` placeholder panics (not yet
//! reported; `api::photos::upload_placeholders_written_by_the_client_do_not_panic`).

pub(crate) mod gateway;
pub(crate) mod http;
pub(crate) mod variables;
pub(crate) mod ws;
