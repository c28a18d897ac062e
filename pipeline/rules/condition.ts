import type { EventType } from '../../schemas/events.ts';

/**
 * What a monitor or detector reports before the rule engine grades it: the start, worsening or end
 * of one condition in one zone (and, for incidents, of one track). The engine turns it into an
 * EventRecord, or drops it (deduplication, cooldown).
 */
export interface Condition {
  type: EventType;
  /** 'start' opens a condition, 'worsen' escalates an open one, 'end' closes it. */
  phase: 'start' | 'worsen' | 'end';
  zoneId: string;
  /** The track concerned (incidents); null for zone conditions. */
  trackId: number | null;
  /** When the condition began (estimated, see each monitor). */
  startedMs: number;
  /** When it was confirmed: this frame. */
  tsMs: number;
  value: number;
  trackIds: number[];
  message: string;
  details: Record<string, unknown>;
  /** An end that only closes the condition (no event type for it: a stopped car drove off). */
  silent?: boolean;
}
