//! The authorization matrix: every root field of the schema, found by introspection, is tried
//! as an anonymous caller, a MEMBER and a SUPPORT user, and must give exactly the outcome the
//! table below says. A field the table does not know fails the test, so a new field cannot
//! ship without someone deciding who may use it; a table entry the schema lacks fails too.
//!
//! The rules (from the API contract): anonymous callers may only sign in (`login`,
//! `refreshToken`, `logout`) and ask `me` (null). Anyone signed in may read drones and cameras,
//! read and edit their own profile, change their password and subscribe to `droneEvents`; a
//! MEMBER may check in a drone they hold (`checkInDrone`). Everything else is SUPPORT only:
//! other callers get FORBIDDEN.
//!
//! API tokens join as three more callers (a READ and a WRITE token of the admin, a WRITE token
//! of an owner demoted since); their outcomes follow from the contract's token rules
//! ([`Rule::expected`]), so every field, new ones included, is tried with them too.
//!
//! Operations are chosen to be harmless: ids that do not exist (SUPPORT gets NOT_FOUND: let in,
//! nothing there), empty edits, wrong current passwords, fresh names.

use std::{collections::BTreeSet, time::Duration};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::{ADMIN, ADMIN_PASSWORD, TestApp, error_codes};

/// What one caller gets from one operation.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// No error, and the field has a non-null value.
    Allowed,
    /// No error, and the field's value is exactly this JSON.
    Is(&'static str),
    /// Exactly one error, with this `extensions.code`, and no value for the field.
    Code(&'static str),
    /// Subscriptions: the graphql-ws socket is closed with this code at `connection_init`.
    Closed(u16),
}

use Outcome::{Allowed, Closed, Code, Is};

const UNAUTHENTICATED: Outcome = Code("UNAUTHENTICATED");
const FORBIDDEN: Outcome = Code("FORBIDDEN");
const NOT_FOUND: Outcome = Code("NOT_FOUND");
const NULL: Outcome = Is("null");

/// Who may do what, one row per root field. `$refresh`, when an operation declares it, is a
/// live refresh token minted just before the call (a refresh token is all `refreshToken`
/// needs, whoever presents it).
struct Rule {
    /// `Type.field`, as introspection names it.
    field: &'static str,
    operation: &'static str,
    anonymous: Outcome,
    member: Outcome,
    support: Outcome,
}

const RULES: &[Rule] = &[
    // Queries.
    Rule {
        field: "Query.me",
        operation: "{ me { username } }",
        anonymous: NULL,
        member: Is(r#"{"username":"authz-member"}"#),
        support: Is(r#"{"username":"admin"}"#),
    },
    Rule {
        field: "Query.user",
        operation: r#"{ user(id: "1") { username } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Is(r#"{"username":"admin"}"#),
    },
    Rule {
        field: "Query.users",
        operation: "{ users(first: 1) { totalCount } }",
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Allowed,
    },
    Rule {
        field: "Query.camera",
        operation: r#"{ camera(id: "999999") { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: NULL,
        support: NULL,
    },
    Rule {
        field: "Query.cameras",
        operation: "{ cameras(first: 1) { totalCount } }",
        anonymous: UNAUTHENTICATED,
        member: Allowed,
        support: Allowed,
    },
    Rule {
        field: "Query.drone",
        operation: r#"{ drone(id: "999999") { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: NULL,
        support: NULL,
    },
    Rule {
        field: "Query.drones",
        operation: "{ drones(first: 1) { totalCount } }",
        anonymous: UNAUTHENTICATED,
        member: Allowed,
        support: Allowed,
    },
    Rule {
        field: "Query.site",
        operation: r#"{ site(id: "999999") { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: NULL,
        support: NULL,
    },
    Rule {
        field: "Query.sites",
        operation: "{ sites(first: 1) { totalCount } }",
        anonymous: UNAUTHENTICATED,
        member: Allowed,
        support: Allowed,
    },
    Rule {
        field: "Query.droneTags",
        operation: "{ droneTags { tag } }",
        anonymous: UNAUTHENTICATED,
        member: Is("[]"),
        support: Is("[]"),
    },
    Rule {
        field: "Query.droneStats",
        operation: "{ droneStats { total } }",
        anonymous: UNAUTHENTICATED,
        member: Allowed,
        support: Allowed,
    },
    Rule {
        field: "Query.auditLog",
        operation: "{ auditLog(first: 1) { __typename } }",
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Allowed,
    },
    Rule {
        field: "Query.apiTokens",
        operation: "{ apiTokens { id } }",
        anonymous: UNAUTHENTICATED,
        member: Allowed,
        support: Allowed,
    },
    // Sign-in mutations: public.
    Rule {
        field: "Mutation.login",
        operation: r#"mutation { login(username: "admin", password: "admin-password-1") { tokenType } }"#,
        anonymous: Is(r#"{"tokenType":"Bearer"}"#),
        member: Is(r#"{"tokenType":"Bearer"}"#),
        support: Is(r#"{"tokenType":"Bearer"}"#),
    },
    Rule {
        field: "Mutation.refreshToken",
        operation: "mutation($refresh: String!) { refreshToken(refreshToken: $refresh) { tokenType } }",
        anonymous: Is(r#"{"tokenType":"Bearer"}"#),
        member: Is(r#"{"tokenType":"Bearer"}"#),
        support: Is(r#"{"tokenType":"Bearer"}"#),
    },
    Rule {
        // An unknown token is not an error: logout says it revoked nothing.
        field: "Mutation.logout",
        operation: r#"mutation { logout(refreshToken: "not-a-refresh-token") }"#,
        anonymous: Is("false"),
        member: Is("false"),
        support: Is("false"),
    },
    // Anyone signed in, on their own account.
    Rule {
        field: "Mutation.updateProfile",
        operation: "mutation { updateProfile(input: {}) { username } }",
        anonymous: UNAUTHENTICATED,
        member: Is(r#"{"username":"authz-member"}"#),
        support: Is(r#"{"username":"admin"}"#),
    },
    Rule {
        // A wrong current password is bad input, not an authorization failure.
        field: "Mutation.changePassword",
        operation: r#"mutation { changePassword(currentPassword: "not-the-password", newPassword: "another-password-1") }"#,
        anonymous: UNAUTHENTICATED,
        member: Code("BAD_USER_INPUT"),
        support: Code("BAD_USER_INPUT"),
    },
    // SUPPORT only.
    Rule {
        field: "Mutation.createUser",
        operation: r#"mutation { createUser(input: {username: "authz-created", password: "created-password-1"}) { username role } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Is(r#"{"username":"authz-created","role":"MEMBER"}"#),
    },
    Rule {
        field: "Mutation.updateUser",
        operation: r#"mutation { updateUser(id: "999999", input: {firstName: "Eve"}) { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.deleteUser",
        operation: r#"mutation { deleteUser(id: "999999") }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.registerCamera",
        operation: r#"mutation { registerCamera(input: {model: "AUTHZ-CAM", brand: "Acme", megapixels: 12}) { model } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Is(r#"{"model":"AUTHZ-CAM"}"#),
    },
    Rule {
        field: "Mutation.registerCameras",
        operation: "mutation { registerCameras(inputs: []) { created updated skipped } }",
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Is(r#"{"created":0,"updated":0,"skipped":0}"#),
    },
    Rule {
        field: "Mutation.updateCamera",
        operation: r#"mutation { updateCamera(id: "999999", input: {brand: "Acme"}) { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.deleteCamera",
        operation: r#"mutation { deleteCamera(id: "999999") }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.registerDrone",
        operation: r#"mutation { registerDrone(input: {serialNumber: "AUTHZ-1", name: "Mavic 3", brand: "DJI", cameraModels: []}) { serialNumber } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Is(r#"{"serialNumber":"AUTHZ-1"}"#),
    },
    Rule {
        field: "Mutation.registerDrones",
        operation: "mutation { registerDrones(inputs: []) { created updated skipped } }",
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Is(r#"{"created":0,"updated":0,"skipped":0}"#),
    },
    Rule {
        field: "Mutation.updateDrone",
        operation: r#"mutation { updateDrone(id: "999999", input: {name: "Renamed"}) { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.deleteDrone",
        operation: r#"mutation { deleteDrone(id: "999999") }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.createSite",
        operation: r#"mutation { createSite(input: {name: "Authz Site", city: "Paris", country: "fr"}) { name country } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Is(r#"{"name":"Authz Site","country":"FR"}"#),
    },
    Rule {
        field: "Mutation.updateSite",
        operation: r#"mutation { updateSite(id: "999999", input: {city: "Lyon"}) { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.deleteSite",
        operation: r#"mutation { deleteSite(id: "999999") }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.checkOutDrone",
        operation: r#"mutation { checkOutDrone(id: "999999", to: "1") { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        // The one drone write a MEMBER may make: the service then requires them to be the
        // holder (tests/api/fleet/custody.rs); here there is no such drone.
        field: "Mutation.checkInDrone",
        operation: r#"mutation { checkInDrone(id: "999999") { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: NOT_FOUND,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.setDroneStatus",
        operation: r#"mutation { setDroneStatus(id: "999999", status: MAINTENANCE) { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.recordMaintenance",
        operation: r#"mutation { recordMaintenance(droneId: "999999", input: {kind: INSPECTION, note: "ok"}) { id } }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        // A JSON request names no file: SUPPORT is let in and told to send one
        // (tests/api/photos.rs uploads over multipart, for each role too).
        field: "Mutation.addDronePhoto",
        operation: r##"mutation { addDronePhoto(droneId: "999999", file: "#__graphql_file__:0") { id } }"##,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: Code("BAD_USER_INPUT"),
    },
    Rule {
        field: "Mutation.deleteDronePhoto",
        operation: r#"mutation { deleteDronePhoto(id: "999999") }"#,
        anonymous: UNAUTHENTICATED,
        member: FORBIDDEN,
        support: NOT_FOUND,
    },
    Rule {
        field: "Mutation.createApiToken",
        operation: r#"mutation { createApiToken(name: "authz", scope: READ) { token { scope } } }"#,
        anonymous: UNAUTHENTICATED,
        member: Is(r#"{"token":{"scope":"READ"}}"#),
        support: Is(r#"{"token":{"scope":"READ"}}"#),
    },
    Rule {
        field: "Mutation.revokeApiToken",
        operation: r#"mutation { revokeApiToken(id: "999999") }"#,
        anonymous: UNAUTHENTICATED,
        member: NOT_FOUND,
        support: NOT_FOUND,
    },
    // Subscriptions, over graphql-ws: `Allowed` means an event arrives after a drone is registered.
    Rule {
        field: "Subscription.droneEvents",
        operation: "subscription { droneEvents { kind drone { serialNumber } } }",
        anonymous: Closed(4403),
        member: Allowed,
        support: Allowed,
    },
];

const INTROSPECT_ROOTS: &str = "{ __schema {
    queryType { fields { name description } }
    mutationType { fields { name description } }
    subscriptionType { fields { name description } } } }";

/// Every root field of the running server's schema, as `Type.field`, with its description.
async fn root_fields(app: &TestApp) -> std::collections::BTreeMap<String, String> {
    let schema = app.ok(None, INTROSPECT_ROOTS, json!({})).await["__schema"].clone();
    let mut fields = std::collections::BTreeMap::new();
    for (key, type_name) in [
        ("queryType", "Query"),
        ("mutationType", "Mutation"),
        ("subscriptionType", "Subscription"),
    ] {
        for field in schema[key]["fields"].as_array().into_iter().flatten() {
            fields.insert(
                format!("{type_name}.{}", field["name"].as_str().unwrap()),
                field["description"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    fields
}

/// Who may use a field is in its description, in the guard's words: "SUPPORT only." exactly
/// on the fields this table keeps from MEMBERs but lets SUPPORT through.
async fn descriptions_say_who_may_use_each_field(app: TestApp) {
    let fields = root_fields(&app).await;
    let lets_in = |o: Outcome| !matches!(o, Code("FORBIDDEN" | "UNAUTHENTICATED") | Closed(_));
    let mut wrong = Vec::new();
    for rule in RULES {
        let support_only = matches!(rule.member, Code("FORBIDDEN")) && lets_in(rule.support);
        let says = fields[rule.field].contains("SUPPORT only.");
        if support_only != says {
            wrong.push(format!(
                "{}: SUPPORT only per the table: {support_only}; its description says so: {says}",
                rule.field
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn every_root_field_is_in_the_table(app: TestApp) {
    let schema: BTreeSet<String> = root_fields(&app).await.into_keys().collect();
    let table: BTreeSet<String> = RULES.iter().map(|r| r.field.to_string()).collect();
    assert_eq!(table.len(), RULES.len(), "a field is in the table twice");
    let unguarded: Vec<&String> = schema.difference(&table).collect();
    let stale: Vec<&String> = table.difference(&schema).collect();
    assert!(
        unguarded.is_empty() && stale.is_empty(),
        "fields in the schema but not in the authorization table (add a rule saying who may \
         use each): {unguarded:?}; table entries missing from the schema: {stale:?}"
    );
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Anonymous,
    Member,
    Support,
    /// API tokens (part 4 of the contract): a READ and a WRITE token of the admin, and a WRITE
    /// token of a SUPPORT user demoted to MEMBER since.
    ReadToken,
    WriteToken,
    DemotedWriteToken,
}

/// The mutations a WRITE token may run, as this test decides it (the guard's own list must
/// agree, or the matrix fails): the inventory's, never tokens, passwords, profiles or users.
const TOKEN_MUTATIONS: &[&str] = &[
    "registerCamera",
    "registerCameras",
    "updateCamera",
    "deleteCamera",
    "registerDrone",
    "registerDrones",
    "updateDrone",
    "deleteDrone",
    "createSite",
    "updateSite",
    "deleteSite",
    "checkOutDrone",
    "checkInDrone",
    "setDroneStatus",
    "recordMaintenance",
    "addDronePhoto",
    "deleteDronePhoto",
];
/// Mutations anyone may call, whatever their Authorization says.
const PUBLIC_MUTATIONS: &[&str] = &["login", "refreshToken", "logout"];
/// The user who owns the demoted token.
const DEMOTED: &str = "authz-demoted";

impl Rule {
    /// What `role` gets. Token callers follow from the contract's rules: as their owner for
    /// queries and subscriptions (the demoted one's owner is a MEMBER now); of mutations only
    /// the public ones and, for a WRITE token of a SUPPORT owner, the inventory's.
    fn expected(&self, role: Role) -> Outcome {
        let mutation = self.field.strip_prefix("Mutation.");
        let token = |owner: Outcome, may_write: bool| match mutation {
            None => owner,
            Some(name) if PUBLIC_MUTATIONS.contains(&name) => owner,
            Some(name) if may_write && TOKEN_MUTATIONS.contains(&name) => owner,
            Some(_) => FORBIDDEN,
        };
        match role {
            Role::Anonymous => self.anonymous,
            Role::Member => self.member,
            Role::Support => self.support,
            Role::ReadToken => token(self.support, false),
            Role::WriteToken => token(self.support, true),
            Role::DemotedWriteToken if self.field == "Query.me" => {
                Is(r#"{"username":"authz-demoted"}"#)
            }
            Role::DemotedWriteToken => token(self.member, false),
        }
    }

    fn field_name(&self) -> &'static str {
        self.field.split_once('.').expect("Type.field").1
    }
}

/// Checks one HTTP response against `expected`; Err says what differs.
fn check(rule: &Rule, expected: Outcome, response: &Value) -> Result<(), String> {
    let value = &response["data"][rule.field_name()];
    let codes = error_codes(response);
    let matches = match expected {
        Allowed => codes.is_empty() && !value.is_null(),
        Is(json_text) => {
            let wanted: Value = serde_json::from_str(json_text).expect("valid JSON in the table");
            codes.is_empty() && *value == wanted
        }
        Code(code) => codes == [code] && value.is_null(),
        Closed(_) => false,
    };
    if matches {
        Ok(())
    } else {
        Err(format!("expected {expected:?}, got {response}"))
    }
}

/// Runs every query and mutation rule as `role`, collecting mismatches.
async fn run_http_rules(
    app: &TestApp,
    role: Role,
    token: Option<&str>,
    failures: &mut Vec<String>,
) {
    for rule in RULES
        .iter()
        .filter(|r| !r.field.starts_with("Subscription."))
    {
        let variables = if rule.operation.contains("$refresh") {
            let (_, refresh) = app.login(ADMIN, ADMIN_PASSWORD).await;
            json!({ "refresh": refresh })
        } else {
            json!({})
        };
        let response = app.gql(token, rule.operation, variables).await;
        if let Err(why) = check(rule, rule.expected(role), &response) {
            failures.push(format!("{} as {role:?}: {why}", rule.field));
        }
    }
}

/// An API token of `session`'s user.
async fn api_token(app: &TestApp, session: &str, name: &str, scope: &str) -> String {
    let data = app
        .ok(
            Some(session),
            "mutation($n: String!, $s: TokenScope!) { createApiToken(name: $n, scope: $s) { secret } }",
            json!({ "n": name, "s": scope }),
        )
        .await;
    data["createApiToken"]["secret"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The three token callers: (READ of the admin, WRITE of the admin, WRITE of a demoted user).
async fn token_callers(app: &TestApp) -> (String, String, String) {
    let support = app.admin_token().await;
    let read = api_token(app, &support, "authz read", "READ").await;
    let write = api_token(app, &support, "authz write", "WRITE").await;
    let demoted_id = app
        .create_user(&support, DEMOTED, "demoted-password-1", "SUPPORT")
        .await;
    let (session, _) = app.login(DEMOTED, "demoted-password-1").await;
    let demoted = api_token(app, &session, "authz demoted", "WRITE").await;
    app.ok(
        Some(&support),
        "mutation($id: ID!) { updateUser(id: $id, input: { role: MEMBER }) { role } }",
        json!({ "id": demoted_id }),
    )
    .await;
    (read, write, demoted)
}

async fn each_query_and_mutation_admits_exactly_its_roles(app: TestApp) {
    let (_, member) = app.member("authz-member").await;
    let support = app.admin_token().await;
    let (read, _, demoted) = token_callers(&app).await;
    let mut failures = Vec::new();
    run_http_rules(&app, Role::Anonymous, None, &mut failures).await;
    run_http_rules(&app, Role::Member, Some(&member), &mut failures).await;
    run_http_rules(&app, Role::Support, Some(&support), &mut failures).await;
    run_http_rules(&app, Role::ReadToken, Some(&read), &mut failures).await;
    run_http_rules(&app, Role::DemotedWriteToken, Some(&demoted), &mut failures).await;
    // The WRITE token creates what SUPPORT created above (same names): on an app of its own.
    let fresh = TestApp::spawn(app.backend).await;
    let (_, write, _) = token_callers(&fresh).await;
    run_http_rules(&fresh, Role::WriteToken, Some(&write), &mut failures).await;
    assert!(
        failures.is_empty(),
        "{} authorization mismatch(es):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Subscriptions over graphql-ws (`graphql-transport-ws`).

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_socket(app: &TestApp) -> Socket {
    let mut request = format!("ws://{}/graphql/ws", app.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    connect_async(request).await.expect("websocket connects").0
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

/// The next protocol message (pings answered), or the close frame's code and reason.
async fn receive(socket: &mut Socket) -> Result<Value, (u16, String)> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("socket still open")
            .expect("a readable frame");
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(&text).unwrap();
                if value["type"] == "ping" {
                    send(socket, json!({ "type": "pong" })).await;
                    continue;
                }
                return Ok(value);
            }
            Message::Close(frame) => {
                return Err(frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new())));
            }
            _ => continue,
        }
    }
}

/// Subscribes as `token` (none: no Authorization in `connection_init`) and returns what the
/// caller observed: the close code, or `Ok` once an event for a newly registered drone arrives.
async fn try_subscription(
    app: &TestApp,
    rule: &Rule,
    token: Option<&str>,
    serial: &str,
) -> Result<(), String> {
    let mut socket = open_socket(app).await;
    let init = match token {
        Some(token) => {
            json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
        }
        None => json!({ "type": "connection_init" }),
    };
    send(&mut socket, init).await;
    match receive(&mut socket).await {
        Ok(ack) if ack["type"] == "connection_ack" => {}
        Ok(other) => return Err(format!("{other}")),
        Err((code, reason)) => return Err(format!("closed {code}: {reason}")),
    }
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": rule.operation } }),
    )
    .await;
    // A ping round trip after subscribe proves the subscription was registered before the
    // drone is, so the event cannot be missed.
    send(&mut socket, json!({ "type": "ping" })).await;
    let pong = receive(&mut socket)
        .await
        .map_err(|e| format!("closed: {e:?}"))?;
    if pong["type"] != "pong" {
        return Err(format!("expected pong, got {pong}"));
    }
    let admin = app.admin_token().await;
    app.register_drone(&admin, serial, "Watched", "DJI", &[])
        .await;
    let event = receive(&mut socket)
        .await
        .map_err(|e| format!("closed: {e:?}"))?;
    let wanted = json!({ "id": "1", "type": "next", "payload": { "data": { "droneEvents": {
        "kind": "CREATED", "drone": { "serialNumber": serial } } } } });
    if event != wanted {
        return Err(format!("expected {wanted}, got {event}"));
    }
    send(&mut socket, json!({ "id": "1", "type": "complete" })).await;
    Ok(())
}

async fn drone_events_admits_exactly_its_roles(app: TestApp) {
    let (_, member) = app.member("authz-member").await;
    let support = app.admin_token().await;
    let (read, write, demoted) = token_callers(&app).await;
    let mut failures = Vec::new();
    for rule in RULES
        .iter()
        .filter(|r| r.field.starts_with("Subscription."))
    {
        for (role, token, serial) in [
            (Role::Anonymous, None, "WS-ANON"),
            (Role::Member, Some(member.as_str()), "WS-MEMBER"),
            (Role::Support, Some(support.as_str()), "WS-SUPPORT"),
            (Role::ReadToken, Some(read.as_str()), "WS-READ-TOKEN"),
            (Role::WriteToken, Some(write.as_str()), "WS-WRITE-TOKEN"),
            (
                Role::DemotedWriteToken,
                Some(demoted.as_str()),
                "WS-DEMOTED-TOKEN",
            ),
        ] {
            let observed = try_subscription(&app, rule, token, serial).await;
            let expected = rule.expected(role);
            let matches = match (expected, &observed) {
                (Allowed, Ok(())) => true,
                (Closed(code), Err(why)) => why.starts_with(&format!("closed {code}: Forbidden")),
                _ => false,
            };
            if !matches {
                failures.push(format!(
                    "{} as {role:?}: expected {expected:?}, got {observed:?}",
                    rule.field
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

crate::db_test!(
    every_root_field_is_in_the_table,
    descriptions_say_who_may_use_each_field,
    each_query_and_mutation_admits_exactly_its_roles,
    drone_events_admits_exactly_its_roles,
);
