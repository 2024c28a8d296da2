import { GuestIdentities, IdentityResolver, JwtIdentities } from '@app/identity';
import type { NodeConfig } from './config/node-config.js';
import { publicKeyPemOf } from './config/public-key.js';

/**
 * How this node turns handshakes into identities. Guests are signed with the
 * cluster secret, so every node honours the guest tokens of every other.
 */
export function identityResolverOf(config: NodeConfig): IdentityResolver {
  if (config.authMode === 'guest') {
    return new IdentityResolver({
      mode: 'guest',
      guests: new GuestIdentities({ secret: config.clusterSecret }),
    });
  }
  const jwt = new JwtIdentities({
    secret: config.authJwtSecret || undefined,
    publicKeyPem: config.authJwtPublicKey ? publicKeyPemOf(config.authJwtPublicKey) : undefined,
    jwksUrl: config.authJwksUrl || undefined,
    issuer: config.authJwtIssuer || undefined,
    audience: config.authJwtAudience || undefined,
  });
  return new IdentityResolver({ mode: 'jwt', jwt });
}
