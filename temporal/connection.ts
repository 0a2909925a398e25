/** How every process connects to Temporal: self-hosted, mTLS or Temporal Cloud (an API key). */
import { readFileSync } from 'node:fs';

/** The connection's settings (the configuration's `temporal` section). */
export interface TemporalConnectionSettings {
  address?: string;
  devPort: number;
  tls: boolean;
  tlsCertPath?: string;
  tlsKeyPath?: string;
  tlsCaPath?: string;
  apiKey?: string;
}

/** Connection options for Temporal (self-hosted, mTLS or Temporal Cloud API key). Reads TLS files when called. */
export function temporalConnectionOptions(config: { temporal: TemporalConnectionSettings }, fallbackAddress?: string) {
  const t = config.temporal;
  const address = t.address ?? fallbackAddress ?? `127.0.0.1:${t.devPort}`;
  const read = (p?: string) => (p ? readFileSync(p) : undefined);
  const tls = t.tls
    ? {
        ...(t.tlsCertPath && t.tlsKeyPath
          ? { clientCertPair: { crt: read(t.tlsCertPath)!, key: read(t.tlsKeyPath)! } }
          : {}),
        ...(t.tlsCaPath ? { serverRootCACertificate: read(t.tlsCaPath) } : {}),
      }
    : undefined;
  return { address, tls, apiKey: t.apiKey };
}
