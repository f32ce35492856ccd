//! `login`, `refresh`, `get` and `revoke` against a real provider, configured like the seed samples.

use std::sync::Arc;
use std::time::Duration;

use authflow::{Client, Error, FileStore, LoginOptions, MemoryStore, TokenKind, TokenStore};

use crate::args::Args;
use crate::settings::Settings;
use crate::show;

fn client(args: &Args, store_required: bool) -> Result<(Client, Settings), Error> {
    let settings = Settings::load(args)?;
    let config = settings.client_config(args)?;
    let store: Arc<dyn TokenStore> = match args.get("store") {
        Some(path) => Arc::new(FileStore::new(path)),
        None if store_required => {
            return Err(Error::Config { reason: "--store PATH is required: it holds the tokens from `login`".into() })
        }
        None => Arc::new(MemoryStore::new()),
    };
    Ok((Client::new(config).with_store(store), settings))
}

/// The seed 001 program: sign in, call the test endpoint, refresh, call it again.
pub fn login(args: &Args) -> Result<(), Error> {
    let (client, settings) = client(args, false)?;
    let timeout = args.seconds("timeout", 300).map_err(|reason| Error::Config { reason })?;
    let redirect = client.config().redirect_uri.to_string();
    let options =
        LoginOptions::new().timeout(Duration::from_secs(timeout)).open_browser(args.flag("open")).on_url(move |url| {
            println!("Please open the following URL in your browser:");
            println!("{url}");
            eprintln!("Waiting up to {timeout} s for the redirect to {redirect} ...");
        });
    let tokens = client.login(options)?;
    println!("Signed in: {}", show::tokens(&tokens, client.now()));
    let Some(endpoint) = settings.get("TEST_API_ENDPOINT") else {
        return Ok(());
    };
    println!("GET {endpoint}\n{}", show::response(&client.get(endpoint)?));
    if tokens.refresh_token.is_some() {
        let fresh = client.refresh()?;
        println!("Refreshed: {}", show::tokens(&fresh, client.now()));
        println!("GET {endpoint}\n{}", show::response(&client.get(endpoint)?));
    }
    Ok(())
}

/// Refreshes the stored tokens now.
pub fn refresh(args: &Args) -> Result<(), Error> {
    let (client, _) = client(args, true)?;
    let fresh = client.refresh()?;
    println!("Refreshed: {}", show::tokens(&fresh, client.now()));
    Ok(())
}

/// GETs an API URL or path with the stored tokens, refreshing when due.
pub fn get(args: &Args) -> Result<(), Error> {
    let (client, _) = client(args, true)?;
    let target = args.positional.first().ok_or_else(|| Error::Config { reason: "get needs a URL or path".into() })?;
    let response = client.get(target)?;
    println!("{}", String::from_utf8_lossy(&response.body));
    if response.status >= 400 {
        return Err(Error::UnexpectedResponse {
            status: response.status,
            content_type: response.media_type(),
            summary: "the api refused the request".into(),
        });
    }
    Ok(())
}

/// Revokes the refresh token (or, with `--access`, the access token).
pub fn revoke(args: &Args) -> Result<(), Error> {
    let (client, _) = client(args, true)?;
    let which = if args.flag("access") { TokenKind::AccessToken } else { TokenKind::RefreshToken };
    client.revoke(which)?;
    println!(
        "Revoked the {}",
        if args.flag("access") { "access token" } else { "refresh token; the store is cleared" }
    );
    Ok(())
}
