/**
 * Whether `name` is an IANA time zone this runtime knows (e.g. `Asia/Ho_Chi_Minh`, `UTC`).
 * Intl throws a RangeError for any other name, which is the check: no list to keep up to date.
 *
 * @example
 *   isTimeZone('Asia/Ho_Chi_Minh'); // true
 *   isTimeZone('GMT+7 Hanoi');      // false
 */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
