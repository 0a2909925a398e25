/**
 * The one typed configuration of the product, and the only reader of `process.env`.
 *
 * Roles: `embedded` (npm start: everything in one process, local defaults for every part),
 * `api` and `worker` (production processes: external PostgreSQL and Temporal are required).
 */
import { z } from 'zod';
import path from 'node:path';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { EMBEDDING_DIM } from './contract/embeddings.js';

export type Role = 'embedded' | 'api' | 'worker' | 'test' | 'cluster';

/**
 * The production topology's default ports (`npm run cluster` and deploy/compose.yaml alike; the
 * topology in deploy/topology.ts is built from them).
 */
export const CLUSTER_PORTS = { postgresql: 5432, temporalPostgresql: 5433, temporal: 7233, temporalUi: 8080 } as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const optionalUrl = optionalString.pipe(z.url().optional());
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every environment variable the product reads; `.env.example` documents each (a test keeps them in step). */
export const envSchema = z.object({
  NODE_ENV: optionalString,
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DATA_DIR: z.string().default('.data'),
  /** Where the API listens: all interfaces for `npm run api`, this machine only for `npm start` unless set. */
  HOST: optionalString,
  PORT: port(3000),
  PUBLIC_BASE_URL: optionalUrl,
  API_TOKENS: optionalString,
  /** `npm run mcp`: the running command center it speaks for (default: this machine's PORT). */
  MCP_TARGET_URL: optionalUrl,
  METRICS_HOST: z.string().default('127.0.0.1'),
  METRICS_PORT: port(9464),
  MAX_WEBHOOK_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  INBOX_RETENTION_HOURS: z.coerce.number().positive().default(24),
  /**
   * `npm run api`: how much lower (nice, 0-19) the inbox relay's thread runs than the webhooks, so a
   * saturated machine answers webhooks first and lets the relay's backlog wait.
   */
  INBOX_RELAY_NICE: z.coerce.number().int().min(0).max(19).default(10),

  DATABASE_URL: optionalString,
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  /**
   * PostgreSQL on this machine: each connection's server process runs at the CPU priority (nice) of
   * the thread that opened it, so work that can wait (the workers', the relay's) does not compete
   * with the webhooks' inserts inside the database. Set by `npm run cluster`.
   */
  DATABASE_BACKENDS_FOLLOW_NICE: bool(false),

  TEMPORAL_ADDRESS: optionalString,
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('command-center'),
  TEMPORAL_API_KEY: optionalString,
  TEMPORAL_TLS: bool(false),
  TEMPORAL_TLS_CERT_PATH: optionalString,
  TEMPORAL_TLS_KEY_PATH: optionalString,
  TEMPORAL_TLS_CA_PATH: optionalString,
  TEMPORAL_CODEC_KEYS: optionalString,
  /** One release only: let the codec read payloads that are not encrypted (histories from before it). */
  TEMPORAL_CODEC_ALLOW_PLAINTEXT: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  TEMPORAL_CLI_PATH: optionalString,
  TEMPORAL_DEV_PORT: port(7233),
  /**
   * `npm start`: the CPU priority (nice, 0-19) of the Temporal dev server, so the product's process
   * (webhooks, the live call) comes first and Temporal's work waits behind it (bench/README.md).
   */
  TEMPORAL_DEV_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** The Temporal UI: 8233 beside `npm start`'s dev server, 8080 in the cluster. */
  TEMPORAL_UI_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** `npm run cluster`: the product's PostgreSQL, Temporal's PostgreSQL, Temporal's frontend. */
  CLUSTER_PG_PORT: port(CLUSTER_PORTS.postgresql),
  CLUSTER_TEMPORAL_PG_PORT: port(CLUSTER_PORTS.temporalPostgresql),
  // Temporal keeps its services' ports in a smallint column: they (this one, the next 10, 300 below) stay under 32768.
  CLUSTER_TEMPORAL_PORT: z.coerce.number().int().min(1024).max(32_000).default(CLUSTER_PORTS.temporal),
  /**
   * The cluster's Temporal server, tuned by measurement (bench/README.md): history shards (fixed when
   * its database is created: a new cluster takes 4 unless set, an existing one keeps its own), IO lanes per shard, its persistence pool, the SQL plugin, and extra
   * PostgreSQL settings for Temporal's database (`name=value,name=value`).
   */
  CLUSTER_TEMPORAL_SHARDS: z.coerce.number().int().min(1).max(1024).optional(),
  CLUSTER_TEMPORAL_SHARD_IO: z.coerce.number().int().min(1).max(64).default(1),
  CLUSTER_TEMPORAL_MAX_CONNS: z.coerce.number().int().min(2).max(500).default(20),
  CLUSTER_TEMPORAL_SQL_PLUGIN: z.enum(['postgres12', 'postgres12_pgx']).default('postgres12'),
  CLUSTER_TEMPORAL_PG_SETTINGS: z
    .string()
    .regex(/^(\s*[a-z_]+=[A-Za-z0-9_.]+\s*)(,\s*[a-z_]+=[A-Za-z0-9_.]+\s*)*$/, 'name=value pairs, comma-separated')
    .optional(),
  /**
   * `npm run cluster` on one machine: the CPU priority (nice, 0-19) of the parts whose work can wait
   * (Temporal's server and its PostgreSQL, the workers) so that the API processes and the app's
   * PostgreSQL answer webhooks first (measured in bench/README.md: at 200 deliveries/s the webhook
   * p99 was 3.29 s with 0 and 278 ms with 19). 0 runs them at the APIs' priority.
   */
  CLUSTER_BACKGROUND_NICE: z.coerce.number().int().min(0).max(19).default(19),
  TEMPORAL_UI_URL: optionalUrl,
  /** The Temporal UI's codec path secret (`/codec/ui/<secret>`), at least 32 characters; `npm start` and the cluster make one per start. */
  TEMPORAL_UI_CODEC_SECRET: optionalString.pipe(z.string().min(32).optional()),
  /** Reverse proxies whose X-Forwarded-For names the client (addresses or CIDR ranges, comma-separated). */
  TRUSTED_PROXIES: optionalString,
  TEMPORAL_WORKFLOW_BUNDLE: optionalString,
  WORKER_MAX_CONCURRENT_ACTIVITIES: z.coerce.number().int().positive().default(100),

  TELNYX_API_KEY: optionalString,
  TELNYX_PUBLIC_KEY: optionalString,
  TELNYX_BASE_URL: optionalUrl,
  TELNYX_PHONE_NUMBER: optionalString,
  TELNYX_MESSAGING_PROFILE_ID: optionalString,
  TELNYX_VOICE: z.string().default('female'),
  /** The Call Control application the owner's leg is dialled on (ring the owner first). */
  TELNYX_CONNECTION_ID: optionalString,
  OWNER_PHONE_NUMBER: optionalString,
  /**
   * Who rings the owner's phone before the receptionist takes the call (Call Control calls, with
   * OWNER_PHONE_NUMBER): `off`, `everyone`, `contacts` (callers in the contacts), or `score>=N`
   * (contacts whose relationship score is at least N, 0-100).
   */
  RING_OWNER_FIRST: z
    .string()
    .trim()
    .default('off')
    .refine((v) => /^(off|everyone|contacts|score>=\d{1,3})$/.test(v), 'must be off, everyone, contacts or score>=N'),
  /** When ringing first applies, in OWNER_TIMEZONE: `HH:MM-HH:MM` on weekdays (unset: at any time). */
  RING_OWNER_HOURS: optionalString.pipe(
    z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must be HH:MM-HH:MM, e.g. 09:00-18:00')
      .optional(),
  ),
  /** How long the owner's phone rings before the receptionist takes the call (Telnyx allows 5-600). */
  RING_OWNER_SECONDS: z.coerce.number().int().min(5).max(60).default(20),
  OWNER_NAME: z.string().default('the command center'),
  PHONE_DEFAULT_REGION: z
    .string()
    .trim()
    .toUpperCase()
    .default('US')
    .refine((v) => isSupportedCountry(v), 'must be an ISO 3166 country code libphonenumber knows, e.g. US, GB, DE'),
  AI_SERVICE_HOST: optionalString,
  RECEPTIONIST: z.enum(['on', 'off']).default('on'),
  OWNER_TIMEZONE: z
    .string()
    .default(() => Intl.DateTimeFormat().resolvedOptions().timeZone)
    .refine((v) => {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone, e.g. America/Chicago'),
  VOICE_MAX_CALL_SECONDS: z.coerce.number().int().min(30).max(7200).default(900),
  VOICE_ENDPOINT_SILENCE_MS: z.coerce.number().int().min(200).max(3000).default(600),

  DEEPGRAM_API_KEY: optionalString,
  DEEPGRAM_BASE_URL: optionalUrl,
  DEEPGRAM_MODEL: z.string().default('nova-3'),
  LOCAL_STT_MODEL_DIR: optionalString,

  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalUrl,
  ANTHROPIC_MODEL: z.string().default('claude-sonnet-4-6'),

  EMBEDDINGS_PROVIDER: z.enum(['local', 'openai', 'voyage']).optional(),
  EMBEDDINGS_API_KEY: optionalString,
  EMBEDDINGS_BASE_URL: optionalUrl,
  EMBEDDINGS_MODEL: optionalString,

  ELEVENLABS_API_KEY: optionalString,
  ELEVENLABS_BASE_URL: optionalUrl,
  ELEVENLABS_VOICE_ID: z.string().default('21m00Tcm4TlvDq8ikWAM'),

  S3_BUCKET: optionalString,
  S3_ENDPOINT: optionalUrl,
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_PREFIX: z.string().default('recordings/'),
  S3_FORCE_PATH_STYLE: bool(true),

  NOTIFY_WEBHOOK_URL: optionalUrl,
  RECORDING_HOSTS: optionalString,
  /** S3 buckets recordings may come from (comma-separated); unset: any bucket on an allowed S3 host. */
  RECORDING_BUCKETS: optionalString,
  RETAIN_RECORDINGS_DAYS: z.coerce.number().int().positive().optional(),
  RETAIN_TRANSCRIPTS_DAYS: z.coerce.number().int().positive().optional(),
  RETAIN_MESSAGES_DAYS: z.coerce.number().int().positive().optional(),
  RETAIN_SCORE_HISTORY_DAYS: z.coerce.number().int().positive().optional(),
  NOTIFY_LONG_CALL_SECONDS: z.coerce.number().int().positive().default(120),
  /** After hangup, how long a call's workflow stays open for late events (Telnyx redelivers; its recording URL lives 10 min). */
  CALL_STRAGGLER_WINDOW_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
});

export type Env = z.infer<typeof envSchema>;

/** Names whose values are secrets: never printed, logged or put into workflow history. */
export const secretNames = [
  'API_TOKENS',
  'DATABASE_URL',
  'TEMPORAL_API_KEY',
  'TEMPORAL_CODEC_KEYS',
  'TEMPORAL_UI_CODEC_SECRET',
  'TELNYX_API_KEY',
  'DEEPGRAM_API_KEY',
  'ANTHROPIC_API_KEY',
  'EMBEDDINGS_API_KEY',
  'ELEVENLABS_API_KEY',
  'S3_SECRET_ACCESS_KEY',
  'NOTIFY_WEBHOOK_URL',
] as const satisfies readonly (keyof Env)[];

/** Every setting, as the processes read it: derived from the mapping below (one definition per setting beside its schema). */
export type Config = DeepReadonly<ReturnType<typeof configFrom>>;

type DeepReadonly<T> = { readonly [K in keyof T]: T[K] extends object | undefined ? DeepReadonly<T[K]> : T[K] };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function defaultEmbeddingModel(provider: 'local' | 'openai' | 'voyage'): string {
  if (provider === 'openai') return 'text-embedding-3-small';
  if (provider === 'voyage') return 'voyage-3.5-lite';
  return 'use-lite-512';
}

/**
 * Parse and check the environment for a role. Every problem is reported at once, by name.
 * @throws ConfigError listing each missing or invalid setting.
 */
export function loadConfig(role: Role, env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (role === 'api' || role === 'worker') {
    if (!e.DATABASE_URL) problems.push('DATABASE_URL: required in production mode (PostgreSQL with pgvector)');
    if (!e.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required in production mode (host:port of Temporal)');
    if (!e.TEMPORAL_CODEC_KEYS)
      problems.push(
        'TEMPORAL_CODEC_KEYS: required in production mode (workflow history is encrypted; generate one with `npm run codec-key`)',
      );
  }
  if (role === 'api') {
    if (!e.TELNYX_PUBLIC_KEY) problems.push('TELNYX_PUBLIC_KEY: required in production mode to verify webhooks');
    if (!e.API_TOKENS) problems.push('API_TOKENS: required in production mode (comma-separated bearer tokens)');
  }
  // Every process that accepts tokens refuses short ones (`npm start` too, when they are given).
  if (role !== 'test' && e.API_TOKENS?.split(',').some((t) => t.trim().length > 0 && t.trim().length < 32)) {
    problems.push('API_TOKENS: every token must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  if (e.RING_OWNER_FIRST !== 'off') {
    if (!e.OWNER_PHONE_NUMBER) problems.push('OWNER_PHONE_NUMBER: required when RING_OWNER_FIRST is not off');
    if (e.TELNYX_API_KEY && !e.TELNYX_CONNECTION_ID)
      problems.push(
        "TELNYX_CONNECTION_ID: required when RING_OWNER_FIRST is not off (the owner's leg is dialled on it)",
      );
    if (e.RECEPTIONIST !== 'on')
      problems.push('RING_OWNER_FIRST: needs RECEPTIONIST=on (the receptionist takes the call the owner does not)');
  }
  if (e.TELNYX_PUBLIC_KEY && Buffer.from(e.TELNYX_PUBLIC_KEY, 'base64').length !== 32) {
    problems.push('TELNYX_PUBLIC_KEY: must be the base64 of a raw 32-byte Ed25519 key (Mission Control > Keys)');
  }
  if (Boolean(e.TEMPORAL_TLS_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_KEY_PATH)) {
    problems.push('TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH: set both or neither');
  }
  const provider = e.EMBEDDINGS_PROVIDER ?? (e.EMBEDDINGS_API_KEY ? 'openai' : 'local');
  if (provider !== 'local' && !e.EMBEDDINGS_API_KEY) {
    problems.push(`EMBEDDINGS_API_KEY: required when EMBEDDINGS_PROVIDER is ${provider}`);
  }
  if (Boolean(e.S3_ACCESS_KEY_ID) !== Boolean(e.S3_SECRET_ACCESS_KEY)) {
    problems.push(
      'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither (neither uses the default AWS credential chain)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze(configFrom(role, e, provider)) as Config;
}

/** The settings object built from a parsed environment (its shape is the Config type). */
function configFrom(role: Role, e: Env, provider: 'local' | 'openai' | 'voyage') {
  const dataDir = path.resolve(e.DATA_DIR);
  const tokens = (e.API_TOKENS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return {
    role,
    // The one list: every setting named in `secretNames`, split into its parts where it has several.
    /** Every secret value of this configuration (from `secretNames`), for log masking. */
    secrets: secretNames.flatMap((name) => {
      const value = e[name];
      if (typeof value !== 'string' || !value) return [];
      if (name === 'API_TOKENS')
        return value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
      if (name === 'TEMPORAL_CODEC_KEYS')
        return [
          value,
          ...value
            .split(',')
            .map((k) => k.split(':')[1] ?? '')
            .filter(Boolean),
        ];
      if (name === 'DATABASE_URL') return [value, urlPassword(value)].filter((v): v is string => Boolean(v));
      return [value];
    }),
    logLevel: e.LOG_LEVEL,
    dataDir,
    http: {
      host: e.HOST ?? (role === 'api' || role === 'cluster' ? '0.0.0.0' : '127.0.0.1'),
      port: e.PORT,
      publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
      /** Where `npm run mcp` finds the product's REST API. */
      mcpTargetUrl: (e.MCP_TARGET_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ''),
      maxWebhookBytes: e.MAX_WEBHOOK_BYTES,
      /** Webhook events handed to Temporal are kept this long in the inbox, then purged. */
      inboxRetentionMs: e.INBOX_RETENTION_HOURS * 3600_000,
      /** The inbox relay thread's CPU priority below the API's (npm run api). */
      relayNiceness: e.INBOX_RELAY_NICE,
      trustedProxies: (e.TRUSTED_PROXIES ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean),
    },
    /**
     * Prometheus metrics: the API serves /metrics on its own port (API token required); a worker
     * serves them (token required too) on METRICS_HOST:METRICS_PORT, loopback unless opened.
     */
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT },
    apiTokens: tokens,
    database: {
      url: e.DATABASE_URL,
      poolSize: e.DATABASE_POOL_SIZE,
      pgliteDir: path.join(dataDir, 'pglite'),
      backendsFollowNice: e.DATABASE_BACKENDS_FOLLOW_NICE,
    },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: e.TEMPORAL_TLS || Boolean(e.TEMPORAL_API_KEY) || Boolean(e.TEMPORAL_TLS_CERT_PATH),
      tlsCertPath: e.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: e.TEMPORAL_TLS_KEY_PATH,
      tlsCaPath: e.TEMPORAL_TLS_CA_PATH,
      cliPath: e.TEMPORAL_CLI_PATH,
      devPort: e.TEMPORAL_DEV_PORT,
      devNiceness: e.TEMPORAL_DEV_NICE,
      uiPort: e.TEMPORAL_UI_PORT ?? (role === 'cluster' ? CLUSTER_PORTS.temporalUi : 8233),
      /** The Temporal UI of a cluster (the dashboard links each call's run there; CORS for the codec endpoint). */
      uiUrl: e.TEMPORAL_UI_URL?.replace(/\/+$/, ''),
      uiCodecSecret: e.TEMPORAL_UI_CODEC_SECRET,
      workflowBundlePath: e.TEMPORAL_WORKFLOW_BUNDLE,
      /** Activities one worker runs at once; while it has room, Temporal hands it activities eagerly. */
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      /** Payload encryption keys, `id:base64,...` (the first encrypts); embedded mode generates one. */
      codecKeys: e.TEMPORAL_CODEC_KEYS,
      /** Read unencrypted payloads (one release, for histories from before the codec); refused otherwise. */
      codecAllowPlaintext: e.TEMPORAL_CODEC_ALLOW_PLAINTEXT,
    },
    telnyx: {
      apiKey: e.TELNYX_API_KEY,
      publicKey: e.TELNYX_PUBLIC_KEY,
      baseUrl: e.TELNYX_BASE_URL,
      phoneNumber: e.TELNYX_PHONE_NUMBER,
      messagingProfileId: e.TELNYX_MESSAGING_PROFILE_ID,
      voice: e.TELNYX_VOICE,
      aiServiceHost: e.AI_SERVICE_HOST,
      connectionId: e.TELNYX_CONNECTION_ID,
    },
    owner: {
      phoneNumber: e.OWNER_PHONE_NUMBER,
      name: e.OWNER_NAME,
      region: e.PHONE_DEFAULT_REGION as CountryCode,
      timeZone: e.OWNER_TIMEZONE,
    },
    /**
     * The live receptionist: answered calls stream to /api/voice/telnyx-stream, where it takes
     * messages and books callbacks (off: greet and record, as before).
     */
    receptionist: {
      enabled: e.RECEPTIONIST === 'on',
      /** Where Telnyx opens the media stream: wss://AI_SERVICE_HOST, else PUBLIC_BASE_URL's origin as ws(s). */
      streamBase: e.AI_SERVICE_HOST
        ? `wss://${e.AI_SERVICE_HOST.replace(/^wss?:\/\//, '').replace(/\/+$/, '')}`
        : new URL(e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).origin.replace(/^http/, 'ws'),
      maxCallSeconds: e.VOICE_MAX_CALL_SECONDS,
      endpointSilenceMs: e.VOICE_ENDPOINT_SILENCE_MS,
      /** Ring the owner first (see RING_OWNER_FIRST): who, when, and for how long. */
      ringOwner: {
        rule: e.RING_OWNER_FIRST,
        hours: e.RING_OWNER_HOURS,
        seconds: e.RING_OWNER_SECONDS,
      },
    },
    deepgram: { apiKey: e.DEEPGRAM_API_KEY, baseUrl: e.DEEPGRAM_BASE_URL, model: e.DEEPGRAM_MODEL },
    /** The offline engine: a CTranslate2 Whisper model folder instead of the packaged tiny.en. */
    speech: { localModelDir: e.LOCAL_STT_MODEL_DIR },
    anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL, model: e.ANTHROPIC_MODEL },
    embeddings: {
      provider,
      apiKey: e.EMBEDDINGS_API_KEY,
      baseUrl: e.EMBEDDINGS_BASE_URL,
      model: e.EMBEDDINGS_MODEL ?? defaultEmbeddingModel(provider),
      /** Fixed by the vector column (contract/embeddings.ts), not by the environment. */
      dimensions: EMBEDDING_DIM,
    },
    elevenlabs: { apiKey: e.ELEVENLABS_API_KEY, baseUrl: e.ELEVENLABS_BASE_URL, voiceId: e.ELEVENLABS_VOICE_ID },
    /** Recordings go to this S3-compatible bucket when set, else to DATA_DIR/recordings. */
    s3: e.S3_BUCKET
      ? {
          bucket: e.S3_BUCKET,
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          accessKeyId: e.S3_ACCESS_KEY_ID,
          secretAccessKey: e.S3_SECRET_ACCESS_KEY,
          prefix: e.S3_PREFIX,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
        }
      : undefined,
    notify: { webhookUrl: e.NOTIFY_WEBHOOK_URL, longCallSeconds: e.NOTIFY_LONG_CALL_SECONDS },
    /** A call's run stays open this long after hangup unless nothing can change it any more; later events reopen it. */
    calls: { stragglerWindowMs: e.CALL_STRAGGLER_WINDOW_SECONDS * 1000 },
    /** Days to keep each kind of data (unset: forever), enforced daily by the retention schedule. */
    retention: {
      recordingsDays: e.RETAIN_RECORDINGS_DAYS,
      transcriptsDays: e.RETAIN_TRANSCRIPTS_DAYS,
      messagesDays: e.RETAIN_MESSAGES_DAYS,
      scoreHistoryDays: e.RETAIN_SCORE_HISTORY_DAYS,
    },
    /** `npm run cluster`: where its databases and Temporal listen (the APIs on PORT and PORT+1). */
    cluster: {
      backgroundNiceness: e.CLUSTER_BACKGROUND_NICE,
      ports: {
        postgresql: e.CLUSTER_PG_PORT,
        temporalPostgresql: e.CLUSTER_TEMPORAL_PG_PORT,
        temporal: e.CLUSTER_TEMPORAL_PORT,
      },
      temporal: {
        historyShards: e.CLUSTER_TEMPORAL_SHARDS,
        shardIOConcurrency: e.CLUSTER_TEMPORAL_SHARD_IO,
        maxConns: e.CLUSTER_TEMPORAL_MAX_CONNS,
        sqlPlugin: e.CLUSTER_TEMPORAL_SQL_PLUGIN,
        postgresSettings: (e.CLUSTER_TEMPORAL_PG_SETTINGS ?? '')
          .split(',')
          .map((kv) => kv.trim())
          .filter(Boolean),
      },
    },
    /** Where recordings may be copied from (host names or suffixes); loopback only where listed. */
    recordings: {
      allowedBuckets: (e.RECORDING_BUCKETS ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      allowedHosts: [
        ...(e.RECORDING_HOSTS ?? 'amazonaws.com,telnyx.com')
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
        // The simulator and the tests serve recordings from this machine.
        ...(role === 'embedded' || role === 'test' || role === 'cluster' ? ['localhost', '127.0.0.1'] : []),
      ],
    },
  };
}

/** Whether this process starts its own Temporal dev server and PGlite. */
export function isEmbedded(config: Config): { temporal: boolean; database: boolean } {
  return { temporal: !config.temporal.address, database: !config.database.url };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Load config for a process entry point; on error print every problem and exit non-zero. */
export function loadConfigOrExit(role: Role): Config {
  try {
    return loadConfig(role);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The secret values of a config, for `createLogger`. */
export function secretValues(config: Config): string[] {
  return [...config.secrets];
}
