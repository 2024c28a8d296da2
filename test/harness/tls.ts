import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './paths.js';

/** A private CA and a server certificate for 127.0.0.1 signed by it, as PEM files. */
export interface TestCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Makes a throwaway CA and a 127.0.0.1 server certificate with openssl (valid one day). */
export function makeTestCertificates(): TestCertificates {
  const dir = tempDir('tls');
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  const newKey = ['-newkey', 'rsa:2048', '-nodes'];
  const oneDay = ['-days', '1'];
  openssl(
    'req',
    '-x509',
    ...newKey,
    ...oneDay,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-subj',
    '/CN=ringchat test CA',
  );
  openssl(
    'req',
    ...newKey,
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  // Node checks the address against the certificate's subjectAltName, not its CN.
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  const signedByCa = ['-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial'];
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    ...signedByCa,
    ...oneDay,
    '-extfile',
    file('san.ext'),
    '-out',
    file('server.pem'),
  );
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}
