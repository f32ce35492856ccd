#!/usr/bin/env node
// Small, real OpenID Connect authorization server for integration tests,
// built on npm `oidc-provider` 9.x. See README.md.
//
//   node server.mjs [--port N] [--lifetime SECS] [--redirect-uri URI]...
//
// Prints exactly one line to stdout, the issuer URL `http://127.0.0.1:PORT`,
// then serves until killed or until --lifetime seconds (default 600) pass.
// Everything else (oidc-provider notices and warnings, errors) goes to stderr.

import http from 'node:http';
import crypto from 'node:crypto';
import process from 'node:process';

// oidc-provider prints its NOTICEs with console.info (stdout). Stdout is
// reserved for the single URL line, so send every console output to stderr
// before the library is loaded.
const toStderr = (...args) => console.error(...args);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;

function usage(message) {
  if (message) console.error(`server.mjs: ${message}`);
  console.error('usage: node server.mjs [--port N] [--lifetime SECS] [--redirect-uri URI]...');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { port: 0, lifetime: 600, redirectUris: [] };
  for (let i = 0; i < argv.length; i += 1) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq !== -1) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const take = () => {
      if (value !== undefined) return value;
      i += 1;
      if (i >= argv.length) usage(`${arg} needs a value`);
      return argv[i];
    };
    switch (arg) {
      case '--port': {
        const v = take();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n > 65535) usage(`bad --port ${v}`);
        opts.port = n;
        break;
      }
      case '--lifetime': {
        const v = take();
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) usage(`bad --lifetime ${v}`);
        opts.lifetime = n;
        break;
      }
      case '--redirect-uri': {
        const v = take();
        try {
          new URL(v); // eslint-disable-line no-new
        } catch {
          usage(`bad --redirect-uri ${v}`);
        }
        opts.redirectUris.push(v);
        break;
      }
      case '-h':
      case '--help':
        usage();
        break;
      default:
        usage(`unknown argument ${arg}`);
    }
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

const { default: Provider, errors } = await import('oidc-provider');

// The only account.
const ACCOUNT_ID = 'user-1';
const ACCOUNT_CLAIMS = {
  sub: ACCOUNT_ID,
  name: 'Test User',
  email: 'user-1@example.test',
};

// Loopback redirect URIs. The clients are `application_type: "native"`, so
// oidc-provider ignores the port when the requested redirect_uri is
// http://<loopback host>[:any port]<same path> (RFC 8252 section 7.3).
// The host must match exactly (127.0.0.1, localhost and [::1] are distinct).
const DEFAULT_REDIRECT_URIS = [
  'http://127.0.0.1/callback',
  'http://localhost/callback',
  'http://[::1]/callback',
];
const redirectUris = [...new Set([...DEFAULT_REDIRECT_URIS, ...opts.redirectUris])];

const commonClient = {
  application_type: 'native',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: redirectUris,
};

const clients = [
  {
    ...commonClient,
    client_id: 'basic-client',
    client_secret: 'basic-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_basic',
  },
  {
    ...commonClient,
    client_id: 'post-client',
    client_secret: 'post-secret-0123456789abcdef',
    token_endpoint_auth_method: 'client_secret_post',
  },
];

// A fresh signing key per start (no "development-only keys" warning). WebCrypto,
// because generateKeyPairSync + export({format: 'jwk'}) sometimes deadlocked Node 20
// at start-up (a KeyGenJob destructor run by the GC inside ExportJWK).
const { privateKey } = await crypto.webcrypto.subtle.generateKey(
  { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  true,
  ['sign', 'verify'],
);
const { key_ops: _ops, ext: _ext, alg: _alg, ...exported } = await crypto.webcrypto.subtle.exportKey('jwk', privateKey);
const signingJwk = {
  ...exported,
  kid: `test-${crypto.randomBytes(6).toString('hex')}`,
  use: 'sig',
  alg: 'RS256',
};

const DENY_LOGIN_HINT = 'deny';

const configuration = {
  clients,
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email'],
  },
  pkce: { required: () => true }, // oidc-provider 9 only supports S256
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  // Tokens do not die with the browser session (the default ties them to it
  // unless offline_access was granted).
  expiresWithSession: async () => false,
  features: {
    devInteractions: { enabled: false },
    revocation: {
      enabled: true,
      // Same as the library default, minus the "you SHOULD change" notice.
      allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
    },
    userinfo: { enabled: true },
    introspection: { enabled: false },
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  // Reuse an earlier consent from the same browser session (library default),
  // except for deny requests: those always get an interaction so the deny
  // trigger works even when the cookie jar is reused.
  loadExistingGrant: async (ctx) => {
    if (ctx.oidc.params.login_hint === DENY_LOGIN_HINT && !ctx.oidc.result) {
      return undefined;
    }
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
  },
  findAccount: async (ctx, id) => {
    if (id !== ACCOUNT_ID) return undefined;
    return {
      accountId: id,
      claims: async () => ({ ...ACCOUNT_CLAIMS }),
    };
  },
  clientBasedCORS: () => true,
  ttl: {
    AccessToken: 300,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 24 * 60 * 60,
    Interaction: 3600,
    Session: 24 * 60 * 60,
    Grant: 24 * 60 * 60,
    ClientCredentials: 300,
    DeviceCode: 600,
    BackchannelAuthenticationRequest: 600,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = Object.entries(out).map(([k, v]) => `${k}: ${v}`).join('\n');
  },
};

// Listen first so an OS-chosen port is known before the issuer is fixed.
const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(opts.port, '127.0.0.1', () => {
    server.off('error', reject);
    resolve();
  });
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, configuration);

// oidc-provider 9 treats client_secret_basic and client_secret_post as
// interchangeable (a secret in the body or in HTTP Basic is accepted for
// either). Enforce the registered method so a test notices a client that
// authenticates the wrong way: answer 401 invalid_client instead.
const compareClientSecret = provider.Client.prototype.compareClientSecret;
provider.Client.prototype.compareClientSecret = function strictCompare(actual) {
  const ctx = Provider.ctx;
  if (ctx?.oidc && ['client_secret_basic', 'client_secret_post'].includes(this.clientAuthMethod)) {
    // Same precedence as the library: a body client_secret means "post".
    const used = ctx.oidc.params?.client_secret ? 'client_secret_post' : 'client_secret_basic';
    if (used !== this.clientAuthMethod) {
      throw new errors.InvalidClientAuth(
        `client is registered for ${this.clientAuthMethod} but authenticated with ${used}`,
      );
    }
  }
  return compareClientSecret.call(this, actual);
};

// Auto-approving interaction endpoint: GET /interaction/:uid.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([^/]+)\/?$/.exec(ctx.path);
  if (!match || ctx.method !== 'GET') {
    await next();
    return;
  }

  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    ctx.status = 400;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `interaction not found (are the cookies being sent?): ${err.message}\n`;
    return;
  }

  const { prompt, params, session } = details;
  let result;
  if (params.login_hint === DENY_LOGIN_HINT) {
    result = { error: 'access_denied', error_description: 'the user said no' };
  } else if (prompt.name === 'login') {
    result = { login: { accountId: ACCOUNT_ID } };
  } else if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    if (d.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    result = { consent: { grantId: await grant.save() } };
  } else {
    result = { error: 'access_denied', error_description: `unsupported prompt ${prompt.name}` };
  }

  const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: true,
  });
  ctx.status = 303;
  ctx.set('Location', redirectTo);
  ctx.body = '';
});

server.on('request', provider.callback());

process.stdout.write(`${issuer}\n`);

const stop = (code) => {
  server.close();
  server.closeAllConnections?.();
  process.exit(code);
};
setTimeout(() => {
  console.error(`server.mjs: lifetime of ${opts.lifetime}s reached, exiting`);
  stop(0);
}, Math.min(opts.lifetime * 1000, 2 ** 31 - 1));
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
