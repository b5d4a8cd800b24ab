// A real OpenID provider (node's certified `oidc-provider`) for the web application's sign-in
// tests. It listens on a free loopback port and prints one JSON line, {"issuer": "..."}, once it
// answers. Nothing here is a mock: discovery, JWKS, authorization with PKCE, token, userinfo and
// RP-initiated logout are the library's own.
//
// Configuration, all from the environment (the test sets it):
//   OIDC_TEST_CLIENT    JSON {client_id, client_secret, redirect_uris, post_logout_redirect_uris}
//   OIDC_TEST_ACCOUNTS  JSON {accountId: {claim: value, ...}}; signing in as any other login
//                       gives an account with only sub, name and email (no unit, no roles)
//
// Sign-in uses the library's development interactions: a login form that accepts any login
// (the account id) and any password, then a consent form. The process exits when its standard
// input closes, so it never outlives the test that started it.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const client = JSON.parse(process.env.OIDC_TEST_CLIENT ?? '{}');
const accounts = JSON.parse(process.env.OIDC_TEST_ACCOUNTS ?? '{}');
if (!client.client_id || !client.client_secret || !client.redirect_uris?.length) {
  console.error('OIDC_TEST_CLIENT needs client_id, client_secret and redirect_uris');
  process.exit(2);
}

// A fresh signing key per run: the relying party must fetch it from jwks_uri to check tokens.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

async function findAccount(_ctx, accountId) {
  const known = accounts[accountId] ?? {};
  return {
    accountId,
    async claims() {
      return {
        name: `Người dùng ${accountId}`,
        email: `${accountId}@thanhhoa.gov.vn`,
        email_verified: true,
        ...known,
        sub: accountId,
      };
    },
  };
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.client_id,
        client_secret: client.client_secret,
        redirect_uris: client.redirect_uris,
        post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'unit', 'roles'],
      email: ['email', 'email_verified'],
    },
    findAccount,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
