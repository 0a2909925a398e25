import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A fresh path for a test's data folder (`prefix-<uuid>`), under the run's scratch root (made by the
 * global setup and removed when the run ends), or the system's temporary folder outside the suite.
 */
export function scratchPath(prefix: string): string {
  return path.join(process.env.TEST_SCRATCH_DIR ?? tmpdir(), `${prefix}-${randomUUID()}`);
}
