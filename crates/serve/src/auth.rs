//! The session token. The server prints a URL holding a random token; a request is served only when it
//! carries the token: in the query string (the printed URL, form actions) or, for reads, in the cookie the
//! first page sets. Changes (POST) must carry it in the query or the `X-Framelens-Token` header, never by
//! cookie alone, so another web page open in the same browser cannot post codes (the cookie is
//! `SameSite=Strict` as well). Other local users, who can reach 127.0.0.1 but cannot read the terminal,
//! get 403.

use rand::RngCore;

/// Name of the cookie carrying the token.
pub const COOKIE: &str = "framelens_token";
/// Header a script sends the token in.
pub const HEADER: &str = "x-framelens-token";

/// 128 random bits from rand's thread generator (a CSPRNG seeded by the operating system), as hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Compares in time independent of where the strings differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token in a query string (`token=…`), if any.
pub fn from_query(query: Option<&str>) -> Option<&str> {
    query?.split('&').find_map(|kv| kv.strip_prefix("token="))
}

/// The token in a `Cookie` header, if any.
pub fn from_cookie(cookie: Option<&str>) -> Option<&str> {
    cookie?.split(';').find_map(|kv| kv.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// Whether a request may be served: `is_read` for GET and HEAD.
pub fn allowed(token: &str, is_read: bool, query: Option<&str>, header: Option<&str>, cookie: Option<&str>) -> bool {
    let ok = |t: Option<&str>| t.is_some_and(|t| same(t, token));
    ok(from_query(query)) || ok(header) || (is_read && ok(from_cookie(cookie)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_take_query_header_or_cookie_writes_never_the_cookie_alone() {
        let t = new_token();
        assert_eq!(t.len(), 32);
        assert_ne!(t, new_token());
        let q = format!("page=2&token={t}");
        let c = format!("other=1; {COOKIE}={t}");
        assert!(allowed(&t, true, Some(&q), None, None));
        assert!(allowed(&t, true, None, None, Some(&c)));
        assert!(allowed(&t, false, None, Some(&t), None));
        assert!(allowed(&t, false, Some(&q), None, None));
        assert!(!allowed(&t, false, None, None, Some(&c)), "a cross-site form would carry the cookie");
        assert!(!allowed(&t, true, Some("token=00"), None, None));
        assert!(!allowed(&t, true, None, None, None));
    }
}
