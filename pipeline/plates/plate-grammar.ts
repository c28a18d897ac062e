import type { PlateLayout } from './plate-candidates.ts';

/** A plate after the grammar: `text` is what matching and storage use (A-Z0-9, no separators). */
export interface PlateText {
  text: string;
  /** For people: the country's written form, e.g. `51F-123.45` or `59-X1 234.56`. */
  display: string;
  /** ISO 3166-1 alpha-2 ('VN'), or '' when no country grammar matched (generic plate). */
  country: string;
  /** Characters the grammar changed because their position fixes letter or digit (e.g. O→0). */
  corrections: number;
}

/**
 * Vietnamese provincial codes in use (two digits; Ho Chi Minh City has 41 and 50-59, Hà Nội 29-33
 * and 40; 80 marks central agencies). Codes outside this set make a read fall back to generic.
 */
const VN_PROVINCES = new Set<number>([
  11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
  39, 40, 41, 43, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69,
  70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 88, 89, 90, 92, 93, 94, 95, 97, 98, 99,
]);

/** Reader confusions the grammar may undo, and only where the position's type is fixed. */
const TO_DIGIT: Record<string, string> = { O: '0', D: '0', Q: '0', I: '1', B: '8', S: '5', Z: '2', G: '6' };
const TO_LETTER: Record<string, string> = { '0': 'D', '8': 'B', '5': 'S', '2': 'Z', '6': 'G' };

type Kind = 'D' | 'L';

/**
 * Normalises a read against Vietnam's plate grammar, falling back to a generic plate:
 *
 *   one line (cars)            51F-123.45 / 51F-1234 / 51LD-123.45      province · series · 4-5 digits
 *   two lines (motorbikes,     59-X1         29-MD1        51F
 *   square car plates)         234.56        123.45        123.45
 *
 * Vietnamese text is two province digits, one or two series letters (special series such as NG, LD,
 * KT, MD for electric motorbikes), then 4 to 6 digits (a motorbike's series digit is the first). `Đ`
 * reads as D. O/0, I/1, B/8, D/0, S/5, Z/2, G/6 are swapped only at positions the layout fixes; the
 * parse needing the fewest swaps wins. `country` 'VN' applies the grammar with its swaps (a read that
 * does not fit is returned generic); 'auto' only recognises a read that already fits (no swap), since
 * `4BO4979` from elsewhere must not become `48O4979`; 'none' keeps the read.
 *
 * @example
 *   normalisePlate('59X123456', 'two-line', 'auto'); // { text: '59X123456', display: '59-X1 234.56', country: 'VN', corrections: 0 }
 *   normalisePlate('5IFI2345', 'one-line', 'VN');    // { text: '51F12345', display: '51F-123.45', country: 'VN', corrections: 2 }
 */
export function normalisePlate(raw: string, layout: PlateLayout, country: 'VN' | 'auto' | 'none'): PlateText {
  const text = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const generic: PlateText = { text, display: text, country: '', corrections: 0 };
  if (country === 'none') return generic;
  const vn = parseVietnamese(text);
  if (!vn || (country === 'auto' && vn.corrections > 0)) return generic;
  return {
    text: vn.text,
    display: displayVietnamese(vn.text, vn.series, layout),
    country: 'VN',
    corrections: vn.corrections,
  };
}

interface VnParse {
  text: string;
  series: number;
  country: 'VN';
  corrections: number;
}

function parseVietnamese(text: string): VnParse | null {
  let best: VnParse | null = null;
  for (const series of [1, 2]) {
    const digits = text.length - 2 - series;
    if (digits < 4 || digits > 6 || (series === 2 && digits > 6)) continue;
    const kinds: Kind[] = [...'DD', ...'L'.repeat(series), ...'D'.repeat(digits)] as Kind[];
    const fixed = fitKinds(text, kinds);
    if (!fixed || !VN_PROVINCES.has(Number(fixed.text.slice(0, 2)))) continue;
    if (!best || fixed.corrections < best.corrections) {
      best = { text: fixed.text, series, country: 'VN', corrections: fixed.corrections };
    }
  }
  return best;
}

/** `text` with each position made its kind by the allowed swaps, or null when one cannot be. */
function fitKinds(text: string, kinds: Kind[]): { text: string; corrections: number } | null {
  let out = '';
  let corrections = 0;
  for (let i = 0; i < kinds.length; i++) {
    const c = text[i];
    const isDigit = c >= '0' && c <= '9';
    if ((kinds[i] === 'D') === isDigit) {
      out += c;
      continue;
    }
    const swap = kinds[i] === 'D' ? TO_DIGIT[c] : TO_LETTER[c];
    if (!swap) return null;
    out += swap;
    corrections++;
  }
  return { text: out, corrections };
}

/** 51F-123.45 / 51F-1234 on one line; 59-X1 234.56 or 51F 123.45 on two. */
function displayVietnamese(text: string, series: number, layout: PlateLayout): string {
  const province = text.slice(0, 2);
  const letters = text.slice(2, 2 + series);
  let digits = text.slice(2 + series);
  const dotted = (d: string) => (d.length === 5 ? `${d.slice(0, 3)}.${d.slice(3)}` : d);
  if (layout === 'one-line') return `${province}${letters}-${dotted(digits)}`;
  // Two lines: a motorbike's series digit joins the top line when 5 or 6 digits follow the letters.
  if (digits.length >= 5 && !(digits.length === 5 && series === 2)) {
    const top = `${province}-${letters}${digits[0]}`;
    digits = digits.slice(1);
    return `${top} ${dotted(digits)}`;
  }
  return `${province}${letters} ${dotted(digits)}`;
}
