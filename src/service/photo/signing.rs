//! Signed photo URLs: `/photos/{id}?exp=<unix seconds>&sig=<base64url>` (and `/thumbnail`),
//! so an `<img src>` works without an Authorization header, for a limited time. The signature
//! is HMAC-SHA-256 over the photo id, the variant and the expiry, with a key derived from
//! `JWT_SECRET` (never the token key itself); it is checked in constant time.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::store::Variant;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks photo URLs.
#[derive(Clone)]
pub(crate) struct UrlSigner {
    key: Vec<u8>,
    ttl: Duration,
}

fn variant_name(variant: Variant) -> &'static str {
    match variant {
        Variant::Original => "original",
        Variant::Thumbnail => "thumbnail",
    }
}

impl UrlSigner {
    pub(crate) fn new(jwt_secret: &[u8], ttl: Duration) -> Self {
        // A key of its own: a photo signature can never be replayed as anything else.
        let mut derive = HmacSha256::new_from_slice(jwt_secret).expect("HMAC takes any key");
        derive.update(b"hangar photo urls v1");
        Self {
            key: derive.finalize().into_bytes().to_vec(),
            ttl,
        }
    }

    fn mac(&self, id: i64, variant: Variant, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(format!("{id}:{}:{expires}", variant_name(variant)).as_bytes());
        mac
    }

    /// The path and query of a URL valid for the configured time from `now` (unix seconds).
    pub(crate) fn sign(&self, id: i64, variant: Variant, now: i64) -> String {
        let expires = now + self.ttl.as_secs() as i64;
        // base64url, as the API's cursors and refresh tokens.
        let sig = URL_SAFE_NO_PAD.encode(self.mac(id, variant, expires).finalize().into_bytes());
        let path = match variant {
            Variant::Original => format!("/photos/{id}"),
            Variant::Thumbnail => format!("/photos/{id}/thumbnail"),
        };
        format!("{path}?exp={expires}&sig={sig}")
    }

    /// Whether `sig` signs this photo, variant and expiry, and the expiry is still ahead.
    pub(crate) fn verify(
        &self,
        id: i64,
        variant: Variant,
        expires: i64,
        sig: &str,
        now: i64,
    ) -> bool {
        if expires < now {
            return false;
        }
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(sig) else {
            return false;
        };
        // `verify_slice` compares in constant time.
        self.mac(id, variant, expires).verify_slice(&bytes).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_photo_variant_and_expiry() {
        let signer = UrlSigner::new(
            b"a-secret-of-at-least-32-bytes-long!!",
            Duration::from_secs(60),
        );
        let url = signer.sign(7, Variant::Original, 1000);
        let (expires, sig) = url
            .strip_prefix("/photos/7?exp=")
            .unwrap()
            .split_once("&sig=")
            .unwrap();
        let expires: i64 = expires.parse().unwrap();
        assert_eq!(expires, 1060);
        assert!(signer.verify(7, Variant::Original, expires, sig, 1000));
        assert!(
            !signer.verify(8, Variant::Original, expires, sig, 1000),
            "another photo"
        );
        assert!(
            !signer.verify(7, Variant::Thumbnail, expires, sig, 1000),
            "another variant"
        );
        assert!(
            !signer.verify(7, Variant::Original, expires + 1, sig, 1000),
            "another expiry"
        );
        assert!(
            !signer.verify(7, Variant::Original, expires, sig, 1061),
            "expired"
        );
        let mut tampered = sig.to_string();
        tampered.replace_range(0..1, if sig.starts_with('0') { "1" } else { "0" });
        assert!(!signer.verify(7, Variant::Original, expires, &tampered, 1000));
        assert!(!signer.verify(7, Variant::Original, expires, "zz", 1000));
        let other = UrlSigner::new(
            b"another-secret-of-at-least-32-bytes!",
            Duration::from_secs(60),
        );
        assert!(
            !other.verify(7, Variant::Original, expires, sig, 1000),
            "another key"
        );
    }
}
