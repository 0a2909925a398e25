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
