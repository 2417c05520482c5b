//! HTML pages, one module per part of the workbench. Every page is a `maud` template: interpolated values
//! are escaped, so corpus text (untrusted) always shows as text. Pages carry no inline script or style (the
//! Content-Security-Policy forbids both); behaviour is in the one embedded `app.js`.

pub mod agreement;
pub mod code;
pub mod explore;
pub mod train;

use maud::{html, Markup, DOCTYPE};

/// The workbench's parts, in the navigation bar.
const NAV: [(&str, &str); 5] = [
    ("/", "Overview"),
    ("/paragraphs", "Paragraphs"),
    ("/code", "Code"),
    ("/agreement", "Agreement"),
    ("/train", "Train"),
];

/// What every page needs from the request.
pub struct Ctx<'a> {
    /// The session token, for form actions and the page's script.
    pub token: &'a str,
    /// The run folder's name, in the title bar.
    pub run_name: &'a str,
}

impl Ctx<'_> {
    /// A form action or script URL carrying the token.
    pub fn action(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}token={}", self.token)
    }
}

/// The page frame: title, navigation, token for the script.
pub fn layout(ctx: &Ctx, title: &str, active: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="framelens-token" content=(ctx.token);
                title { (title) " · framelens" }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/app.js" defer {}
            }
            body {
                header {
                    span.brand { "framelens" }
                    span.run { (ctx.run_name) }
                    nav {
                        @for (href, name) in NAV {
                            a href=(href) class=[(active == href).then_some("active")] { (name) }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `0.1234` as `12.3%`.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// An optional score to three decimals, or a dash.
pub fn opt3(x: Option<f32>) -> String {
    x.map_or_else(|| "–".to_string(), |v| format!("{v:.3}"))
}

/// A horizontal bar of `share` (0–1) with its interval, as inline SVG.
pub fn bar(share: f64, lo: f64, hi: f64) -> Markup {
    let w = 64.0;
    let x = |v: f64| (v.clamp(0.0, 1.0) * w * 10.0).round() / 10.0;
    html! {
        svg.bar width=(w) height="12" viewBox=(format!("0 0 {w} 12")) role="img" aria-label=(format!("{} [{}, {}]", pct(share), pct(lo), pct(hi))) {
            rect x="0" y="2" width=(x(share)) height="8" class="fill" {}
            line x1=(x(lo)) x2=(x(hi)) y1="6" y2="6" class="ci" {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_text_is_escaped_and_queries_encoded() {
        let ctx = Ctx { token: "t0", run_name: "<run>" };
        let page = layout(&ctx, "<script>alert(1)</script>", "/", html! { p { "<img src=x onerror=alert(1)>" } })
            .into_string();
        assert!(!page.contains("<script>alert(1)"));
        assert!(!page.contains("<img src=x"));
        assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(page.contains("&lt;run&gt;"));
        assert_eq!(url_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(ctx.action("/code?x=1"), "/code?x=1&token=t0");
    }
}
