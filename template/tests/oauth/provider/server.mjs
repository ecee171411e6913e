// A real OpenID Connect provider (oidc-provider 8.x: OpenID Certified, runs on Node 18+) on loopback, for the
// oauth module's end-to-end tests. One confidential client, PKCE (S256) required, scopes
// `openid email profile`, and oidc-provider's own login and consent pages.
//
//   node server.mjs --port 9000 --client-id app --client-secret s3cret \
//       --redirect-uri http://127.0.0.1:8000/api/v1/auth/callback/oidc
//
// The account is the login typed on the login page (any password): its email is the
// login, verified; a login `unverified:<email>` signs in an account whose provider says
// `email_verified: false`. Prints one line `ready <issuer>` once it listens.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    'token-endpoint-auth-method': { type: 'string', default: 'client_secret_basic' },
  },
});
for (const name of ['port', 'client-id', 'client-secret', 'redirect-uri']) {
  if (!args[name]) {
    console.error(`missing --${name}`);
    process.exit(2);
  }
}

const UNVERIFIED = 'unverified:';
const issuer = `http://127.0.0.1:${args.port}`;

// The account behind a login: a stable subject, the email and whether it is verified.
function account(login) {
  const unverified = login.startsWith(UNVERIFIED);
  const email = unverified ? login.slice(UNVERIFIED.length) : login;
  return {
    accountId: login,
    claims: async () => ({
      sub: login,
      email,
      email_verified: !unverified,
      name: email.split('@')[0],
    }),
  };
}

// A signing key made at start: no key material lives in the repository.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: args['token-endpoint-auth-method'],
    },
  ],
  pkce: { methods: ['S256'], required: () => true },
  scopes: ['openid', 'email', 'profile'],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Like Google, the ID token itself carries the scopes' claims (email, email_verified).
  conformIdTokenClaims: false,
  findAccount: async (ctx, sub) => account(sub),
  jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', alg: 'RS256', use: 'sig' }] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: true } },
});

// Its own warnings (development interactions, no persistent store) are expected here.
provider.on('server_error', (ctx, error) => console.error('server_error', error));

provider.listen(Number(args.port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
