//! Reading request cookies: shared by the session (services) and the language of pages shown
//! before signing in (i18n), so neither imports the other.

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn value<'h>(headers: &'h http::HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value)
}
