//! `/ui`: an API explorer in the browser, built from `/types/metadata` at run time. Four static files, embedded in
//! the binary: no build step, no CDN, nothing fetched from elsewhere. The page itself needs no sign-in (it only
//! describes the API, like the metadata it reads); the operations it calls are guarded as usual.
//!
//! The Content-Security-Policy allows scripts, styles and connections to this origin only, and no inline script or
//! style, so an answer that somehow carried markup could not run even if it were inserted as HTML (the script never
//! does: every value goes in through `textContent`).

use actix_web::{http::header, HttpRequest, HttpResponse};

const INDEX_HTML: &str = include_str!("index.html");
const APP_JS: &str = include_str!("app.js");
const APP_CSS: &str = include_str!("app.css");
const FAVICON_SVG: &str = include_str!("favicon.svg");

/// The policy sent with every file of the explorer.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// One embedded file: its path under `/ui/`, content type and text.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset { name: "app.js", content_type: "text/javascript; charset=utf-8", body: APP_JS },
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", body: APP_CSS },
    Asset { name: "favicon.svg", content_type: "image/svg+xml", body: FAVICON_SVG },
];

fn respond(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        // The files change only with the binary; revalidating each load keeps an upgraded server's page current.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

/// `GET /ui` (and `/ui/`): the page.
pub async fn index() -> HttpResponse {
    respond("text/html; charset=utf-8", INDEX_HTML)
}

/// `GET /ui/{file}`: the script and the style sheet; anything else is the usual 404.
pub async fn asset(req: HttpRequest) -> HttpResponse {
    let name = req.match_info().get("file").unwrap_or("");
    match ASSETS.iter().find(|asset| asset.name == name) {
        Some(asset) => respond(asset.content_type, asset.body),
        None => crate::api::not_found(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_never_writes_html() {
        // Everything the API answers reaches the page through textContent or createElement.
        for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
            assert!(!APP_JS.contains(forbidden), "app.js uses {forbidden}");
        }
    }

    #[test]
    fn the_page_loads_only_its_own_files() {
        assert!(INDEX_HTML.contains("src=\"/ui/app.js\"") && INDEX_HTML.contains("href=\"/ui/app.css\""));
        assert!(!INDEX_HTML.contains("<script>") && !INDEX_HTML.contains("<style") && !INDEX_HTML.contains("style="));
        assert!(!INDEX_HTML.contains("http://") && !INDEX_HTML.contains("https://"));
    }
}
