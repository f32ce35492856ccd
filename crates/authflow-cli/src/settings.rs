//! Configuration for real providers: a `.env` file and the environment, with the seed samples' names.

use std::collections::HashMap;
use std::path::Path;

use authflow::{ClientAuth, ClientConfig, Error, Provider};

use crate::args::Args;

/// The settings the sipgate samples read, and a few for the other presets.
pub struct Settings {
    values: HashMap<String, String>,
}

impl Settings {
    /// Reads `--env-file` (or `./.env` when present), then lets the environment override it.
    pub fn load(args: &Args) -> Result<Settings, Error> {
        let mut values = HashMap::new();
        let file = args.get("env-file").unwrap_or(".env");
        let path = Path::new(file);
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::Config { reason: format!("cannot read {}: {e}", path.display()) })?;
            values.extend(parse_dotenv(&text));
        } else if args.get("env-file").is_some() {
            return Err(Error::Config { reason: format!("env file {} does not exist", path.display()) });
        }
        for (key, value) in std::env::vars() {
            values.insert(key, value);
        }
        Ok(Settings { values })
    }

    /// A setting, if present and not empty.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn require(&self, key: &str) -> Result<&str, Error> {
        self.get(key).ok_or_else(|| Error::Config { reason: format!("{key} is not set (in .env or the environment)") })
    }

    /// The client configuration, from a preset (`--provider`) and the settings.
    pub fn client_config(&self, args: &Args) -> Result<ClientConfig, Error> {
        let provider = self.provider(args)?;
        let redirect = self.redirect_uri()?;
        let mut config = ClientConfig::new(provider, self.require("CLIENT_ID")?, &redirect)?;
        if let Some(secret) = self.get("CLIENT_SECRET") {
            config = config.with_secret(secret);
        }
        if let Some(scope) = self.get("OAUTH_SCOPE") {
            config = config.with_scopes([scope]);
        }
        Ok(config)
    }

    fn provider(&self, args: &Args) -> Result<Provider, Error> {
        let auth = self.get("AUTH_URL");
        let token = self.get("TOKEN_URL");
        let sipgate_urls = auth.is_some_and(|u| u.contains("login.sipgate.com"));
        let name =
            args.get("provider").or(self.get("PROVIDER")).unwrap_or(if sipgate_urls { "sipgate" } else { "generic" });
        let mut provider = match name {
            "sipgate" => Provider::sipgate(self.get("SIPGATE_REALM").unwrap_or("third-party"))?,
            "speakap" => match self.get("NETWORK_AUTH_URL") {
                Some(url) => Provider::speakap_from_network_auth_url(url)?,
                None => Provider::speakap(self.require("SPEAKAP_NETWORK")?)?,
            },
            "phorge" => Provider::phorge(self.require("PHORGE_URL")?)?,
            "generic" => Provider::generic(self.require("AUTH_URL")?, self.require("TOKEN_URL")?)?,
            other => {
                return Err(Error::Config {
                    reason: format!("unknown provider {other:?}: use sipgate, speakap, phorge or generic"),
                })
            }
        };
        // Explicit endpoints win over a preset's defaults.
        if let Some(url) = auth {
            provider.authorization_endpoint = authflow::endpoint("AUTH_URL", url)?;
        }
        if let Some(url) = token {
            provider.token_endpoint = authflow::endpoint("TOKEN_URL", url)?;
        }
        if let Some(method) = self.get("CLIENT_AUTH") {
            provider.client_auth = match method {
                "client_secret_post" => ClientAuth::ClientSecretPost,
                "client_secret_basic" => ClientAuth::ClientSecretBasic,
                "none" => ClientAuth::None,
                other => return Err(Error::Config { reason: format!("CLIENT_AUTH {other:?} is not a method") }),
            };
        }
        Ok(provider)
    }

    /// `REDIRECT_URI`, or `http://localhost:{PORT}/oauth`; both must agree on the port.
    fn redirect_uri(&self) -> Result<String, Error> {
        let port = self.get("PORT");
        let Some(redirect) = self.get("REDIRECT_URI") else {
            return Ok(format!("http://localhost:{}/oauth", port.unwrap_or("8080")));
        };
        if let (Some(port), Ok(url)) = (port, authflow::Url::parse(redirect)) {
            if url.port_or_known_default().map(|p| p.to_string()).as_deref() != Some(port) {
                return Err(Error::Config {
                    reason: format!(
                        "PORT is {port} but REDIRECT_URI is {redirect}: change both together (and the redirect uri registered at the provider)"
                    ),
                });
            }
        }
        Ok(redirect.to_owned())
    }
}

/// Parses `KEY=value` lines: `#` comments, `export`, quotes, and the trailing commas the sipgate sample's `.env` has.
pub fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|line| {
            let line = line.strip_prefix("export ").unwrap_or(line);
            let (key, value) = line.split_once('=')?;
            let value = value.trim().trim_end_matches(',').trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            Some((key.trim().to_owned(), value.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sipgate_sample_env() {
        let env = "# sipgate\nCLIENT_ID=\"abc:third-party\"\nREDIRECT_URI=\"http://localhost:8080/oauth\",\nPORT=8080,\nexport OAUTH_SCOPE='account:read'\n";
        let pairs = parse_dotenv(env);
        assert_eq!(pairs[0], ("CLIENT_ID".into(), "abc:third-party".into()));
        assert_eq!(pairs[1], ("REDIRECT_URI".into(), "http://localhost:8080/oauth".into()));
        assert_eq!(pairs[2], ("PORT".into(), "8080".into()));
        assert_eq!(pairs[3], ("OAUTH_SCOPE".into(), "account:read".into()));
    }
}
