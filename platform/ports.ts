/** TCP ports for a process: is one free, and a free one from the OS. */
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    what: string,
  ) {
    super(
      `Port ${port} (${what}) is already in use. Stop what is using it, or set ${what === 'Temporal gRPC' ? 'TEMPORAL_DEV_PORT' : what === 'Temporal UI' ? 'TEMPORAL_UI_PORT' : 'PORT'} to another port.`,
    );
    this.name = 'PortInUseError';
  }
}

/** Resolves when `port` can be bound on `host`; rejects with PortInUseError otherwise. */
export function assertPortFree(port: number, what: string, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, what) : err),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

/** Ask the OS for a free TCP port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Free port ranges for one process tree, one per width (a width of 2 is a port and the one after
 * it, as the cluster's two APIs and two workers use): each range free now, and no two overlapping.
 * Separate `freePort()` calls could hand out a port that another's "next port" needed.
 */
export async function freePortRanges(widths: number[]): Promise<number[]> {
  const taken: [number, number][] = [];
  const bases: number[] = [];
  for (const width of widths) {
    for (let attempt = 0; ; attempt++) {
      const base = await freePort();
      const end = base + width - 1;
      const overlaps = end > 65_535 || taken.some(([a, b]) => base <= b && end >= a);
      const free =
        !overlaps &&
        (await Promise.all(Array.from({ length: width - 1 }, (_, i) => assertPortFree(base + i + 1, 'range')))
          .then(() => true)
          .catch(() => false));
      if (free) {
        taken.push([base, end]);
        bases.push(base);
        break;
      }
      if (attempt >= 50) throw new Error(`no ${width} free consecutive ports found`);
    }
  }
  return bases;
}
