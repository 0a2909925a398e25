/**
 * The API process's way to Temporal, built from the configuration: a lazy connection (Temporal may
 * be away when the API starts; webhooks go to the inbox meanwhile), the history's payload codec and
 * the workflow gateway. Used by the API's main thread and by its inbox relay's thread.
 */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';
import { dataConverterFor, EncryptionCodec, parseCodecKeys } from '../temporal/codec.js';
import { temporalConnectionOptions } from '../temporal/connection.js';
import { createWorkflowGateway } from '../temporal/gateway.js';

export function apiTemporal(config: Config) {
  const connection = Connection.lazy(temporalConnectionOptions(config));
  const codec = new EncryptionCodec(parseCodecKeys(config.temporal.codecKeys!), {
    allowPlaintext: config.temporal.codecAllowPlaintext,
  });
  const gateway = createWorkflowGateway(
    new Client({ connection, namespace: config.temporal.namespace, dataConverter: dataConverterFor(codec) }),
    config.temporal.taskQueue,
    config.calls,
  );
  return { connection, codec, gateway };
}
