/** What a camera id may be: it names rows, keys and files, so no separators, quotes or spaces. */
export const CAMERA_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
