/** A repeatable one-token option as yargs hands it over (absent, one value, or several) → the values in order. */
export function tokens(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
