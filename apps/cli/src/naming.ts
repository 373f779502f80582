// Names of new migration files, as `mig new` and `mig diff --out` write them.

/** Current UTC time as `YYYYMMDDHHMMSS`: the version of a new migration. */
export function utcVersion(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14)
}

/** `add email to Users` -> `add_email_to_users`. */
export function slug(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
}
