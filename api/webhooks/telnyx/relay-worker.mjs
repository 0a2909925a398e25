// A worker thread does not inherit the process's TypeScript loader: register it, then run the relay.
import { register } from 'tsx/esm/api';

register();
await import('./relay-worker.ts');
