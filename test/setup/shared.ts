/**
 * A part of the suite's environment (PostgreSQL, Temporal, the engines) started once per run however
 * many test layers ask for it: the first layer's global setup starts it, each layer's teardown
 * releases it, the last release stops it. Its facts reach the test workers as TEST_* variables.
 */
type Part = { users: number; stop: () => Promise<void> };
const parts: Map<string, Part> = ((globalThis as { __ccTestParts?: Map<string, Part> }).__ccTestParts ??= new Map());

export const say = (s: string) => console.log(`[test setup] ${s}`);

export async function sharedPart(
  name: string,
  start: () => Promise<() => Promise<void>>,
): Promise<() => Promise<void>> {
  let part = parts.get(name);
  if (!part) {
    part = { users: 0, stop: await start() };
    parts.set(name, part);
  }
  part.users += 1;
  const held = part;
  return async () => {
    held.users -= 1;
    if (held.users === 0) {
      parts.delete(name);
      await held.stop();
    }
  };
}
