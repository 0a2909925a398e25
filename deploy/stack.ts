/**
 * The product composed once: Temporal client and worker connections, the worker with its engines,
 * the workflow gateway, and the HTTP app, over a database and (optionally) a port. `npm start`
 * (deploy/embedded.ts), the test suite (test/stack.ts) and the benchmarks (bench/embedded-stack.ts)
 * all start the product through `startStack`; each brings only what differs: where Temporal runs,
 * which database, the codec, and the app's overrides. The API-only and worker-only processes of a
 * cluster compose their halves with the same two roots (`apiDeps`, `buildWorker`).
 */
import type { KeyObject } from 'node:crypto';
import type { ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/client.js';
import type { Activities } from '../activities/index.js';
import { engineChecks, type Providers } from '../activities/providers/index.js';
import { createApp, listenApp, type AppDeps } from '../api/app.js';
import { apiDeps, receptionistCheck, type ApiParts } from '../api/compose.js';
import { createWorkflowGateway, type WorkflowGateway } from '../temporal/gateway.js';
import { dataConverterFor } from '../temporal/codec.js';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { buildWorker } from '../worker/worker.js';
import type { Logger } from '../platform/logger.js';

export interface StackParts {
  /** The open database; the stack closes it when it stops. */
  database: DatabaseHandle;
  log: Logger;
  /** Verifies Telnyx's webhook signatures. */
  telnyxPublicKey: KeyObject;
  /** The payload codec (history encryption), the same for the client and the worker. */
  codec?: PayloadCodec;
  /** Where Temporal is when the configuration names no address (a dev server this process started). */
  temporalAddress?: string;
  /** Wraps the real activities (tests inject failures, benchmarks measure). */
  activities?: (real: Activities) => object;
  /** Wraps the receptionist's engines (tests hold a recognition back to reach a race). */
  voiceEngines?: ApiParts['voiceEngines'];
  /** Replaces fields of the app's dependencies (tokens, sessions, the Setup page's test call). */
  app?: Partial<AppDeps>;
  /** Serve the app on this port and host; without it the app is only called in-process. */
  listen?: { port: number; hostname: string };
}

export interface Stack {
  config: Config;
  database: DatabaseHandle;
  connection: Connection;
  client: Client;
  gateway: WorkflowGateway;
  worker: Worker;
  providers: Providers;
  appDeps: AppDeps;
  app: ReturnType<typeof createApp>;
  server?: ServerType;
  /** The readiness checks of this process's engines (the worker's engines are the app's too). */
  engines: NonNullable<AppDeps['engines']>;
  /**
   * Stops in the order that loses nothing: stop taking requests, end the inbox relay's deliveries in
   * flight, let the worker finish (or hand back) what it runs, then close what those activities use (the speech engine, Temporal, the database).
   */
  stop(): Promise<void>;
}

export async function startStack(config: Config, parts: StackParts): Promise<Stack> {
  const { database, codec } = parts;
  const connectionOptions = temporalConnectionOptions(config, parts.temporalAddress);
  const connection = await Connection.connect(connectionOptions);
  const native = await NativeConnection.connect(connectionOptions).catch(async (err: unknown) => {
    await connection.close();
    throw err;
  });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: dataConverterFor(codec),
  });
  const { worker, providers } = await buildWorker(config, {
    connection: native,
    db: database.db,
    codec,
    activities: parts.activities,
  });
  const running = worker.run();
  const gateway = createWorkflowGateway(client, config.temporal.taskQueue, config.calls);
  const engines = parts.app?.engines ?? engineChecks(providers, config);
  const appDeps = apiDeps(
    config,
    {
      database,
      gateway,
      log: parts.log,
      telnyxPublicKey: parts.telnyxPublicKey,
      embeddings: providers.embeddings,
      recordings: providers.blobs,
      voiceEngines: parts.voiceEngines,
    },
    { codec, ...parts.app, engines },
  );
  if (appDeps.voice && !parts.app?.engines) {
    engines.receptionist = receptionistCheck(appDeps.voice);
    // The data folder stays the last line `npm start` prints.
    const { dataFolder } = engines;
    if (dataFolder) {
      delete engines.dataFolder;
      engines.dataFolder = dataFolder;
    }
  }
  const app = createApp(appDeps);
  appDeps.relay.start();
  let server: ServerType | undefined;
  if (parts.listen) {
    server = listenApp(app.fetch, parts.listen);
    appDeps.voice?.attach(server);
  }
  let stopped: Promise<void> | undefined;
  return {
    config,
    database,
    connection,
    client,
    gateway,
    worker,
    providers,
    appDeps,
    app,
    server,
    engines,
    stop: () =>
      (stopped ??= (async () => {
        // Live conversations first: their sockets would hold the server open.
        await appDeps.voice?.close();
        if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
        await appDeps.relay.stop();
        worker.shutdown();
        await running.catch(() => undefined);
        await providers.speech.close?.();
        await native.close();
        await connection.close();
        await database.close();
      })()),
  };
}
