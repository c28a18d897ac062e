/**
 * Whether `name` is an IANA time zone this runtime knows (e.g. `Asia/Ho_Chi_Minh`, `UTC`).
 * Intl throws a RangeError for any other name, which is the check: no list to keep up to date.
 * Names must be spelled as in the IANA database (ClickHouse is case-sensitive).
 *
 * @example
 *   isTimeZone('Asia/Ho_Chi_Minh'); // true
 *   isTimeZone('GMT+7 Hanoi');      // false
 */
export function isTimeZone(name: string): boolean {
  // Intl also takes any case ('asia/kolkata'); ClickHouse, which groups the reports, does not.
  if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
