/**
 * The production topology, described once: the services `npm run cluster` runs on this machine and
 * `deploy/compose.yaml` runs in containers, with the same names, ports and environment variable
 * names (a test holds the two together).
 */
import { CLUSTER_PORTS } from '../config.js';

/** The product's own processes: two API processes and two workers (`npm run api` / `npm run worker`). */
export const appServices = {
  'api-1': { command: 'api', portOffset: 0 },
  'api-2': { command: 'api', portOffset: 1 },
  'worker-1': { command: 'worker', metricsOffset: 0 },
  'worker-2': { command: 'worker', metricsOffset: 1 },
} as const;

export type AppServiceName = keyof typeof appServices;

/**
 * The infrastructure services and their default ports. Compose publishes on loopback (for the
 * operator's SSH tunnel) those marked `published`; Temporal's frontend is reachable only from the
 * app containers on the compose `core` network (it has no authorization of its own).
 */
export const infraServices = {
  /** The product's database: PostgreSQL with pgvector. */
  postgresql: { port: CLUSTER_PORTS.postgresql, published: true },
  /** Temporal's persistence and visibility: PostgreSQL with contrib (btree_gin). */
  'temporal-postgresql': { port: CLUSTER_PORTS.temporalPostgresql, published: true },
  temporal: { port: CLUSTER_PORTS.temporal, published: false },
  'temporal-ui': { port: CLUSTER_PORTS.temporalUi, published: true },
} as const;

export const DEFAULT_API_PORT = 3000;
export const DEFAULT_WORKER_METRICS_PORT = 9464;

/** Environment variables every app process gets (values differ between the two deployments, not names). */
export const appEnvironment = [
  'DATA_DIR',
  'DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_TASK_QUEUE',
  'TEMPORAL_CODEC_KEYS',
  'TEMPORAL_UI_URL',
  'TEMPORAL_UI_CODEC_SECRET',
  'API_TOKENS',
  'TELNYX_PUBLIC_KEY',
  'PUBLIC_BASE_URL',
  'RECORDING_HOSTS',
  'LOG_LEVEL',
  'METRICS_HOST',
] as const;

/** Variables only one kind of process gets. */
export const apiEnvironment = ['HOST', 'PORT'] as const;
export const workerEnvironment = ['METRICS_PORT'] as const;

export type SharedAppEnv = Record<(typeof appEnvironment)[number], string>;

/** The environment of one app process: the shared values, and its own port(s) from the bases given. */
export function appProcessEnv(
  name: AppServiceName,
  shared: SharedAppEnv,
  o: { host: string; apiPort: number; metricsPort: number },
): Record<string, string> {
  const spec = appServices[name];
  const own: Record<string, string> =
    'portOffset' in spec
      ? { HOST: o.host, PORT: String(o.apiPort + spec.portOffset) }
      : { METRICS_PORT: String(o.metricsPort + spec.metricsOffset) };
  return { ...shared, ...own };
}
