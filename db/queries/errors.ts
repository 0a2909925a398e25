/** Domain errors the queries throw; the API maps them to its envelope (api/errors.ts onError). */

/** A record the input refers to (by `field`) does not exist. */
export class ReferenceMissing extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ReferenceMissing';
  }
}

/** Another contact already has this phone number (`otherId` when it is known). */
export class PhoneTaken extends Error {
  constructor(readonly otherId: string | null) {
    super('Another contact has this phone number');
    this.name = 'PhoneTaken';
  }
}

/** Postgres unique violation, through drizzle's and the drivers' wrappers. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    if ((e as { code?: string }).code === '23505') return true;
  }
  return false;
}
