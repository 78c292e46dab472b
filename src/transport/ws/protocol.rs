//! The graphql-transport-ws protocol's rules, kept between the socket and async-graphql.
//!
//! async-graphql speaks the happy path; for the rest it closes with codes of its own (1002,
//! 1011, 3008), with reasons longer than RFC 6455 allows, or not at all (a repeated operation
//! id silently replaced the first). This guard reads each client message before async-graphql
//! does and each server message after, and closes with the codes of the `graphql-ws`
//! library's PROTOCOL.md:
//!
//! | what | close |
//! | --- | --- |
//! | invalid JSON, an unknown or malformed message | 4400 |
//! | `subscribe` before `connection_ack` | 4401 |
//! | no `connection_init` within `HANGAR_WS_INIT_TIMEOUT` | 4408 (by the socket loop) |
//! | a `subscribe` id already in use | 4409 |
//! | a second `connection_init` | 4429 |
//!
//! A request error of a `subscribe` (syntax, validation, variables) answers with an `error`
//! message, not `next` + `complete`.

use std::collections::HashSet;

use serde_json::Value;

/// A close the guard decided: code and reason (at most 123 bytes, RFC 6455's limit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Close {
    pub(super) code: u16,
    pub(super) reason: String,
}

impl Close {
    pub(super) fn new(code: u16, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: fit_reason(reason.into()),
        }
    }
}

/// A close frame's reason fits in 123 bytes (125 of control-frame payload, less the code).
pub(super) fn fit_reason(mut reason: String) -> String {
    const MAX: usize = 123;
    if reason.len() > MAX {
        let mut end = MAX - '…'.len_utf8();
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
        reason.push('…');
    }
    reason
}

#[derive(Default)]
pub(super) struct Protocol {
    initialised: bool,
    acknowledged: bool,
    /// Operations running: their ids may not be reused until they complete.
    running: HashSet<String>,
    /// Operations answered with `error`: async-graphql's `complete` after it is dropped.
    errored: HashSet<String>,
}

impl Protocol {
    /// Whether the connection was acknowledged (the init timeout no longer applies).
    pub(super) fn acknowledged(&self) -> bool {
        self.acknowledged
    }

    /// A client message, before async-graphql reads it: `Err` closes the connection.
    pub(super) fn inbound(&mut self, bytes: &[u8]) -> Result<(), Close> {
        let invalid = || Close::new(4400, "Invalid message received");
        let message: Value = serde_json::from_slice(bytes).map_err(|_| invalid())?;
        let id = || {
            message
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .ok_or_else(invalid)
        };
        match message.get("type").and_then(Value::as_str) {
            Some("connection_init") => {
                if std::mem::replace(&mut self.initialised, true) {
                    return Err(Close::new(4429, "Too many initialisation requests"));
                }
            }
            Some("ping" | "pong") => {}
            Some("subscribe") => {
                let id = id()?;
                if !message.get("payload").is_some_and(Value::is_object) {
                    return Err(invalid());
                }
                if !self.acknowledged {
                    return Err(Close::new(4401, "Unauthorized"));
                }
                // An id answered with `error` whose `complete` async-graphql has not sent yet:
                // it reads this message before it polls the finished operation again, so the
                // new operation replaces the old, and that `complete` never comes. (Waiting
                // for it would swallow the new operation's own `complete`.)
                self.errored.remove(id);
                if !self.running.insert(id.to_owned()) {
                    return Err(Close::new(
                        4409,
                        format!("Subscriber for {id} already exists"),
                    ));
                }
            }
            Some("complete") => {
                self.running.remove(id()?);
            }
            _ => return Err(invalid()),
        }
        Ok(())
    }

    /// A server message on its way out; `None` drops it.
    pub(super) fn outbound(&mut self, text: String) -> Option<String> {
        // Cheap tests first: most messages are `next` with data, and pass untouched.
        if text.starts_with(r#"{"type":"connection_ack""#) {
            self.acknowledged = true;
            return Some(text);
        }
        let is_next = text.starts_with(r#"{"type":"next""#);
        let ends =
            text.starts_with(r#"{"type":"complete""#) || text.starts_with(r#"{"type":"error""#);
        if !(ends || (is_next && text.contains(r#""data":null"#))) {
            return Some(text);
        }
        let Ok(mut message) = serde_json::from_str::<Value>(&text) else {
            return Some(text);
        };
        let id = message["id"].as_str().unwrap_or_default().to_owned();
        if ends {
            self.running.remove(&id);
            return (!self.errored.remove(&id)).then_some(text);
        }
        if !is_request_error(&message["payload"]) {
            return Some(text);
        }
        // Nothing ran: the protocol's `error` message carries the errors, and ends the
        // operation (async-graphql's `complete` that follows is dropped).
        self.running.remove(&id);
        self.errored.insert(id.clone());
        let errors = message["payload"]["errors"].take();
        Some(serde_json::json!({ "type": "error", "id": id, "payload": errors }).to_string())
    }
}

/// An answer to an operation that never ran: no data, and only errors without a field path.
/// A timeout has no path either, but the operation ran (and was stopped): it stays `next`.
fn is_request_error(payload: &Value) -> bool {
    payload.get("data").is_none_or(Value::is_null)
        && payload["errors"].as_array().is_some_and(|errors| {
            !errors.is_empty()
                && errors
                    .iter()
                    .all(|e| e.get("path").is_none() && e["extensions"]["code"] != "TIMEOUT")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_fit_a_close_frame() {
        assert_eq!(fit_reason("short".into()), "short");
        let long = fit_reason("é".repeat(100));
        assert!(long.len() <= 123, "{}", long.len());
        assert!(long.ends_with('…'));
    }

    #[test]
    fn the_protocol_orders_its_messages() {
        let mut protocol = Protocol::default();
        let subscribe = br#"{"id":"1","type":"subscribe","payload":{"query":"{ me { id } }"}}"#;
        assert_eq!(protocol.inbound(subscribe).unwrap_err().code, 4401);
        assert_eq!(protocol.inbound(br#"{"type":"connection_init"}"#), Ok(()));
        assert_eq!(
            protocol
                .inbound(br#"{"type":"connection_init"}"#)
                .unwrap_err()
                .code,
            4429
        );
        protocol.outbound(r#"{"type":"connection_ack"}"#.into());
        assert_eq!(protocol.inbound(subscribe), Ok(()));
        assert_eq!(protocol.inbound(subscribe).unwrap_err().code, 4409);
        assert_eq!(protocol.inbound(br#"{"id":"1","type":"complete"}"#), Ok(()));
        assert_eq!(
            protocol.inbound(subscribe),
            Ok(()),
            "a completed id is free again"
        );
        // An id answered with `error` may be reused at once; the new operation's `complete`
        // goes out.
        let error =
            r#"{"type":"next","id":"1","payload":{"data":null,"errors":[{"message":"x"}]}}"#;
        assert!(
            protocol
                .outbound(error.into())
                .unwrap()
                .contains(r#""type":"error""#)
        );
        assert_eq!(protocol.inbound(subscribe), Ok(()));
        let complete = r#"{"type":"complete","id":"1"}"#;
        assert_eq!(
            protocol.outbound(complete.into()).as_deref(),
            Some(complete)
        );
        for bad in [
            &b"not json"[..],
            br#"{"type":"what"}"#,
            br#"{"type":"subscribe"}"#,
        ] {
            assert_eq!(protocol.inbound(bad).unwrap_err().code, 4400);
        }
    }
}
