//! The in-memory store of authorization codes, tokens and pending consents.

use crate::crypto::{random_token, random_uuid};
use crate::model::{Authz, Profile};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// How long an authorization code or a pending consent stays valid.
pub(crate) const CODE_LIFETIME: Duration = Duration::from_secs(300);
/// How long a refresh token stays valid (Keycloak's `refresh_expires_in`).
pub(crate) const REFRESH_LIFETIME_SECS: u64 = 2_592_000;
/// Expired entries are swept after this many insertions.
const SWEEP_EVERY: u64 = 256;

/// One user's consent to one client: what every code and token descends from.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub id: u64,
    pub profile: Profile,
    pub client_id: &'static str,
    pub scope: String,
    /// Keycloak's `session_state`, stable across refreshes.
    pub session: String,
    pub nonce: Option<String>,
}

/// What an authorization code was issued for.
#[derive(Clone, Debug)]
pub(crate) struct CodeRecord {
    pub grant: Grant,
    /// The redirect URI the code was delivered to.
    pub redirect_uri: String,
    /// Whether the authorization request named it (Phorge may omit it).
    pub redirect_sent: bool,
    pub challenge: Option<String>,
    expires: SystemTime,
    used: bool,
}

/// Why a code could not be redeemed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CodeError {
    /// Unknown, expired or issued to another client.
    Invalid,
    /// Already redeemed once; carries the grant it belongs to.
    Reused(u64),
}

/// A freshly issued token set.
#[derive(Debug)]
pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub grant: Grant,
}

#[derive(Debug)]
struct AccessRecord {
    grant: Grant,
    expires: Option<SystemTime>,
}

#[derive(Debug)]
struct RefreshRecord {
    grant: Grant,
    access_token: String,
    expires: SystemTime,
}

#[derive(Debug)]
struct Pending {
    authz: Authz,
    expires: SystemTime,
}

/// Codes, tokens and pending consents, kept behind the app's mutex.
#[derive(Debug, Default)]
pub(crate) struct Store {
    next_grant: u64,
    inserts: u64,
    codes: HashMap<String, CodeRecord>,
    access: HashMap<String, AccessRecord>,
    refresh: HashMap<String, RefreshRecord>,
    pending: HashMap<String, Pending>,
}

impl Store {
    pub fn new_grant(&mut self, authz: &Authz) -> Grant {
        self.next_grant += 1;
        Grant {
            id: self.next_grant,
            profile: authz.profile,
            client_id: authz.client.id,
            scope: authz.scope.clone(),
            session: random_uuid(),
            nonce: authz.nonce.clone(),
        }
    }

    /// Stores a new authorization code and returns it.
    pub fn insert_code(
        &mut self,
        grant: Grant,
        (redirect_uri, redirect_sent): (String, bool),
        challenge: Option<String>,
    ) -> String {
        self.inserted();
        let code = random_token();
        let record = CodeRecord {
            grant,
            redirect_uri,
            redirect_sent,
            challenge,
            expires: SystemTime::now() + CODE_LIFETIME,
            used: false,
        };
        self.codes.insert(code.clone(), record);
        code
    }

    /// Marks a code used and returns what it was issued for.
    pub fn redeem_code(&mut self, code: &str, client_id: &str) -> Result<CodeRecord, CodeError> {
        let record = self.codes.get_mut(code).ok_or(CodeError::Invalid)?;
        if record.used {
            return Err(CodeError::Reused(record.grant.id));
        }
        if record.expires <= SystemTime::now() || record.grant.client_id != client_id {
            return Err(CodeError::Invalid);
        }
        record.used = true;
        Ok(record.clone())
    }

    /// Issues an access token (and a refresh token if asked) for `grant`.
    pub fn issue(&mut self, grant: Grant, access_ttl: Option<u64>, with_refresh: bool) -> Issued {
        self.inserted();
        let now = SystemTime::now();
        let access_token = random_token();
        let expires = access_ttl.map(|secs| now + Duration::from_secs(secs));
        let record = AccessRecord { grant: grant.clone(), expires };
        self.access.insert(access_token.clone(), record);
        let refresh_token = with_refresh.then(|| {
            let token = random_token();
            let record = RefreshRecord {
                grant: grant.clone(),
                access_token: access_token.clone(),
                expires: now + Duration::from_secs(REFRESH_LIFETIME_SECS),
            };
            self.refresh.insert(token.clone(), record);
            token
        });
        Issued { access_token, refresh_token, grant }
    }

    /// Consumes a refresh token and the access token issued with it (rotation).
    pub fn take_refresh(&mut self, token: &str, client_id: &str) -> Option<Grant> {
        let record = self.refresh.get(token)?;
        if record.grant.client_id != client_id || record.expires <= SystemTime::now() {
            return None;
        }
        let record = self.refresh.remove(token)?;
        self.access.remove(&record.access_token);
        Some(record.grant)
    }

    /// The grant behind a live access token.
    pub fn access_grant(&self, token: &str) -> Option<&Grant> {
        let record = self.access.get(token)?;
        let live = record.expires.is_none_or(|at| at > SystemTime::now());
        live.then_some(&record.grant)
    }

    /// Invalidates every token descending from one grant.
    pub fn revoke_grant(&mut self, grant_id: u64) {
        self.access.retain(|_, record| record.grant.id != grant_id);
        self.refresh.retain(|_, record| record.grant.id != grant_id);
    }

    /// Invalidates the whole grant an access or refresh token belongs to, whichever client
    /// holds it, as a user revoking the app in the provider's settings does; false if the
    /// token is unknown.
    pub fn revoke_grant_of(&mut self, token: &str) -> bool {
        let grant = self.access.get(token).map(|r| r.grant.id).or_else(|| self.refresh.get(token).map(|r| r.grant.id));
        if let Some(id) = grant {
            self.revoke_grant(id);
        }
        grant.is_some()
    }

    /// Revokes a token of `client_id` (a refresh token takes its access token along).
    pub fn revoke_token(&mut self, token: &str, client_id: &str) {
        if self.access.get(token).is_some_and(|record| record.grant.client_id == client_id) {
            self.access.remove(token);
        }
        if self.refresh.get(token).is_some_and(|record| record.grant.client_id == client_id) {
            if let Some(record) = self.refresh.remove(token) {
                self.access.remove(&record.access_token);
            }
        }
    }

    /// Parks an authorization request until the user answers the consent form.
    pub fn insert_pending(&mut self, authz: Authz) -> String {
        self.inserted();
        let id = random_token();
        let expires = SystemTime::now() + CODE_LIFETIME;
        self.pending.insert(id.clone(), Pending { authz, expires });
        id
    }

    /// Removes and returns a parked request that has not expired.
    pub fn take_pending(&mut self, id: &str) -> Option<Authz> {
        let pending = self.pending.remove(id)?;
        (pending.expires > SystemTime::now()).then_some(pending.authz)
    }

    /// Counts an insertion and now and then drops expired entries.
    fn inserted(&mut self) {
        self.inserts += 1;
        if self.inserts.is_multiple_of(SWEEP_EVERY) {
            self.sweep(SystemTime::now());
        }
    }

    fn sweep(&mut self, now: SystemTime) {
        self.codes.retain(|_, record| record.expires > now);
        self.access.retain(|_, record| record.expires.is_none_or(|at| at > now));
        self.refresh.retain(|_, record| record.expires > now);
        self.pending.retain(|_, pending| pending.expires > now);
    }
}
