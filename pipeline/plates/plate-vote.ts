/** One read of a track's plate, as the vote takes it. */
export interface PlateVoteRead {
  /** Normalised text (A-Z0-9). */
  text: string;
  /** Per character of `text`. */
  charConfidence: readonly number[];
}

export interface PlateVerdict {
  text: string;
  /** Mean over positions of the winning character's confidence mass / reads of that length (0-1). */
  confidence: number;
  /** Reads whose text equals the verdict, and reads taken. */
  agreeing: number;
  reads: number;
}

/**
 * Best-of-track: several reads of one vehicle's plate become one. The length most of the confidence
 * votes for wins; then each position takes the character with the most confidence among reads of that
 * length, so `51F12345` (0.9), `51F12346` (0.5), `51F12345` (0.8) give `51F12345`:
 *
 *   pos   5 1 F 1 2 3 4 5|6      position 7: '5' 0.9 + 0.8 = 1.7 against '6' 0.5
 *
 * A disagreeing read lowers the verdict's confidence rather than being ignored.
 *
 * @example
 *   const vote = new PlateVote();
 *   vote.add({ text: '51F12345', charConfidence: [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9] });
 *   vote.verdict(); // { text: '51F12345', confidence: 0.9, agreeing: 1, reads: 1 }
 */
export class PlateVote {
  private readonly all: PlateVoteRead[] = [];

  add(read: PlateVoteRead): void {
    if (read.charConfidence.length !== read.text.length) {
      throw new RangeError(
        `a read needs one confidence per character: "${read.text}" has ${read.text.length}, got ${read.charConfidence.length}`,
      );
    }
    if (read.text.length > 0) this.all.push(read);
  }

  get size(): number {
    return this.all.length;
  }

  /** The plate the reads so far vote for, or null before any read. */
  verdict(): PlateVerdict | null {
    if (this.all.length === 0) return null;
    const byLength = new Map<number, number>();
    for (const r of this.all) {
      byLength.set(r.text.length, (byLength.get(r.text.length) ?? 0) + sum(r.charConfidence) / r.text.length);
    }
    const length = [...byLength].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
    const group = this.all.filter((r) => r.text.length === length);
    let text = '';
    let confidence = 0;
    for (let i = 0; i < length; i++) {
      const mass = new Map<string, number>();
      for (const r of group) mass.set(r.text[i], (mass.get(r.text[i]) ?? 0) + r.charConfidence[i]);
      const [ch, m] = [...mass].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
      text += ch;
      confidence += m / group.length;
    }
    return {
      text,
      confidence: confidence / length,
      agreeing: this.all.filter((r) => r.text === text).length,
      reads: this.all.length,
    };
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0);
}
