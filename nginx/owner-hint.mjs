// The owner hint of the front door: upstream groups and the sid → group map that
// send a request to the node its sid names. Rendered into nginx.conf.template.

/** NODE_ID's syntax (apps/chat-node settings): safe in a group name and a regex. */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** The round-robin group every request without a known owner goes to. */
export const ROUND_ROBIN_GROUP = 'ringchat_nodes';

/** `server` line of one node in any group. */
export function serverLine(address, backup = false) {
  return `        server ${address} max_fails=1 fail_timeout=2s${backup ? ' backup' : ''};`;
}

/**
 * The owners that get a group: every given owner whose address is an upstream (a
 * node taken out of nginx, e.g. during its restart, loses its group with it, so
 * its sids go round robin). Throws on a malformed or repeated id.
 */
export function hintedOwners(owners, upstreams) {
  const seen = new Set();
  for (const { id } of owners) {
    if (!NODE_ID.test(id)) throw new Error(`owner id ${JSON.stringify(id)} is not a node id`);
    if (seen.has(id)) throw new Error(`owner id ${id} given twice`);
    seen.add(id);
  }
  return owners.filter(({ address }) => upstreams.includes(address));
}

/**
 * Configuration text placed after the round-robin group: per owner a group with
 * that node as its server and every other upstream as a backup (a dead owner falls
 * through to nodes that forward or answer), and the map from the sid's prefix to
 * the group. A sid can only choose among these groups; anything else goes round robin.
 */
export function renderOwnerHint(owners, upstreams) {
  const groups = owners.map(({ id, address }) =>
    [
      `    upstream ringchat_owner_${id} {`,
      serverLine(address),
      ...upstreams.filter((other) => other !== address).map((other) => serverLine(other, true)),
      '        keepalive 128;',
      '        keepalive_timeout 60s;',
      '    }',
    ].join('\n'),
  );
  const routes = owners.map(({ id }) => `        ~^${id}\\. ringchat_owner_${id};`);
  return [
    '',
    '',
    "    # Owner hint: a sid minted as <node id>.<random> names the node that made the",
    '    # session. Its requests (polls, pushes, WebSocket upgrades) go to that node first,',
    '    # the others being backups; handshakes and other sids go round robin. Only a hint:',
    '    # the nodes route by their ring and pins whatever nginx picks.',
    ...groups.flatMap((group) => [group, '']),
    '    map $arg_sid $ringchat_upstream {',
    `        default ${ROUND_ROBIN_GROUP};`,
    ...routes,
    '    }',
  ].join('\n');
}
