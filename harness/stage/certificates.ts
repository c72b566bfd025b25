// The certificates of a TLS server (settings.tls): a throw-away CA, made for one stage, and a server
// certificate it signs for every name and address a client of the lab uses (both namespaces'
// addresses, 127.0.0.1, ::1, localhost, and the stage's own). Node's crypto makes keys but cannot
// issue X.509 certificates; @peculiar/x509 does, on Node's WebCrypto (docs/dependencies.md). Only
// the CA's certificate is written, in a temporary folder of its own that the stage removes.
import { webcrypto } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CLIENT_ADDRESS, SERVER_ADDRESS } from './netns.ts';
import { LabError, UsageError } from '../shared/errors.ts';
import { serverSettingsProblem, type ServerSettings } from '../shapes/server-settings.ts';

type X509 = typeof import('@peculiar/x509');
let library: Promise<X509> | undefined;
/**
 * @peculiar/x509, on Node's WebCrypto, loaded by the first stage that makes certificates: loaded
 * (with reflect-metadata, which it needs first) at every start of the CLI, TLS or not, it cost
 * no-body-close's start-up 1,253 to 1,454 ms of CPU against 1,094 to 1,293 without (three runs each,
 * no compile cache, 2026-12-07).
 */
const x509Library = () =>
  (library ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })());

/** ECDSA P-256 with SHA-256: what every TLS client accepts, and a key made in a millisecond (RSA 2048 takes ~100). */
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Long enough for any run (a soak lasts hours), short enough that a leaked CA file is worth nothing soon. */
const VALID_MS = 2 * 24 * 3600 * 1000;
/** Clocks of a client namespace are the host's, but be lenient with a certificate made this very second. */
const BACKDATE_MS = 60 * 1000;

/** The names a client of the lab reaches a server by. */
export const CERTIFICATE_NAMES = ['localhost', '127.0.0.1', '::1', SERVER_ADDRESS, CLIENT_ADDRESS];

export interface StageCertificates {
  /** The server's certificate and key, PEM, handed to it over IPC (harness/shapes/server-settings.ts: credentials). */
  cert: string;
  key: string;
  /** The CA's certificate, PEM, in a file: what clients are told to trust. */
  caFile: string;
  /** Removes the folder and the CA file. */
  remove(): Promise<void>;
}

const pem = async (x509: X509, key: CryptoKey) => x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key as never), 'PRIVATE KEY');
const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');

/** Where the CA file goes: the temporary folder (TMPDIR), where the lab keeps what it removes. */
const parent = () => os.tmpdir();

/** The CA folders not removed yet: a command stopped by a signal exits through process.exit (cli/signals.ts), and they go with it. */
const folders = new Set<string>();
process.on('exit', () => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** Makes a folder for a CA file, or says in one line why it cannot. */
async function certificateFolder(): Promise<string> {
  try {
    return await mkdtemp(path.join(parent(), 'twlab-tls-'));
  } catch (error) {
    throw new UsageError(`cannot write the TLS CA file in ${parent()} (${(error as Error).message}): set TMPDIR to a folder this user can write`);
  }
}

/** Checks before a run that a CA file can be written, so that a TLS run does not fail variant after variant. */
export async function checkCertificateFolder(): Promise<void> {
  await rm(await certificateFolder(), { recursive: true, force: true });
}

/**
 * Refuses, in one line, server settings that contradict each other (--http2 without --tls), and a
 * TLS run whose CA file could not be written.
 */
export async function checkServerSettings(server: Pick<ServerSettings, 'tls' | 'http2' | 'afterResponse'>): Promise<void> {
  const problem = serverSettingsProblem(server);
  if (problem) throw new UsageError(`server settings: ${problem}`);
  if (server.tls) await checkCertificateFolder();
}

/** A CA and a server certificate for `names` and `extra` (the stage's own address), the CA written in a fresh folder. */
export async function makeCertificates(extra: string[] = []): Promise<StageCertificates> {
  const x509 = await x509Library();
  const names = [...new Set([...CERTIFICATE_NAMES, ...extra])];
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const notAfter = new Date(Date.now() + VALID_MS);
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=timewait-lab throw-away CA',
    notBefore,
    notAfter,
    keys: caKeys as CryptoKeyPair,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as CryptoKey),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=timewait-lab server',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey as CryptoKey,
    signingKey: caKeys.privateKey as CryptoKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: net.isIP(name) ? ('ip' as const) : ('dns' as const), value: name }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  const folder = await certificateFolder();
  folders.add(folder);
  const caFile = path.join(folder, 'ca.pem');
  try {
    await writeFile(caFile, ca.toString('pem') + '\n', { mode: 0o644 });
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw new LabError(`cannot write the TLS CA file ${caFile}: ${(error as Error).message}`);
  }
  return {
    cert: server.toString('pem') + '\n',
    key: await pem(x509, serverKeys.privateKey as CryptoKey),
    caFile,
    remove: async () => {
      await rm(folder, { recursive: true, force: true });
      folders.delete(folder);
    },
  };
}

/**
 * The environment that tells a client to trust the CA, under every name clients look for it: the
 * lab's own (TARGET_CA_FILE), OpenSSL's and Go's (SSL_CERT_FILE), Python requests'
 * (REQUESTS_CA_BUNDLE), curl's (CURL_CA_BUNDLE) and Node's (NODE_EXTRA_CA_CERTS).
 */
export function trustEnvironment(caFile: string): Record<string, string> {
  return { TARGET_CA_FILE: caFile, SSL_CERT_FILE: caFile, REQUESTS_CA_BUNDLE: caFile, CURL_CA_BUNDLE: caFile, NODE_EXTRA_CA_CERTS: caFile };
}
