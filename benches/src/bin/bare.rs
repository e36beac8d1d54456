//! `bare`: the anchor of `benches/http/run`. A bare actix-web server that answers `GET /NAME` with the bytes of
//! `DIR/NAME.body` and the content type in `DIR/NAME.type`, from memory, so that Canopy's rates can be read as a
//! fraction of what actix-web itself does on this machine for the very same responses.
//!
//! Usage: `bare --bind 127.0.0.1:PORT --dir DIR`. It keeps actix's default worker count (one per core), as
//! `canopy serve` does, so that both servers get the same threads.

use std::{io, path::PathBuf};

use actix_web::{
    http::header::{HeaderValue, CONTENT_TYPE},
    web, App, HttpResponse, HttpServer,
};

fn usage(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{message}\nusage: bare --bind ADDR --dir DIR"))
}

/// `(name, body, content type)` of every `NAME.body` in `dir` that has a `NAME.type` beside it.
fn load(dir: &PathBuf) -> io::Result<Vec<(String, web::Bytes, HeaderValue)>> {
    let mut responses = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("body") {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else { continue };
        let Ok(content_type) = std::fs::read_to_string(path.with_extension("type")) else { continue };
        let content_type = HeaderValue::from_str(content_type.trim())
            .map_err(|e| usage(&format!("{}: not a header value: {e}", path.with_extension("type").display())))?;
        responses.push((name, web::Bytes::from(std::fs::read(&path)?), content_type));
    }
    responses.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(responses)
}

#[actix_web::main]
async fn main() -> io::Result<()> {
    let (mut bind, mut dir) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bind" => bind = args.next(),
            "--dir" => dir = args.next().map(PathBuf::from),
            other => return Err(usage(&format!("unknown argument '{other}'"))),
        }
    }
    let (Some(bind), Some(dir)) = (bind, dir) else { return Err(usage("--bind and --dir are required")) };
    let responses = load(&dir)?;
    if responses.is_empty() {
        return Err(usage(&format!("{}: no NAME.body with a NAME.type beside it", dir.display())));
    }
    for (name, body, content_type) in &responses {
        println!("GET /{name}: {} bytes of {}", body.len(), content_type.to_str().unwrap_or("?"));
    }
    let server = HttpServer::new(move || {
        let mut app = App::new();
        for (name, body, content_type) in responses.clone() {
            app = app.route(
                &format!("/{name}"),
                web::get().to(move || {
                    let (body, content_type) = (body.clone(), content_type.clone());
                    async move { HttpResponse::Ok().insert_header((CONTENT_TYPE, content_type)).body(body) }
                }),
            );
        }
        app
    })
    .bind(&bind)?;
    println!("bare listening on http://{bind}");
    server.run().await
}
