// Telling a rate or usage limit from an ordinary failure, in what an agent reported as an error.
// Only the agent's error output and final message are searched, with patterns anchored at a line start, so a
// file the agent printed (a package named `ratelimit`, a doc about rate limiting) does not trip it.
// Peers' false positives: ../shared/reference/peers.md §5 (items 2 and 3).

/** A detected limit: when it resets (epoch ms), when the message says. */
export interface RateLimit {
  resetAt: number | null;
  /** The line that matched, for the log. */
  line: string;
}

/** Default patterns: each must match at the start of a line (after optional "error:"/"Error:" and spaces). */
export const DEFAULT_RATE_LIMIT_PATTERNS: readonly RegExp[] = [
  /^(?:api )?error:?\s*(?:429|rate.?limit)/i,
  /^(?:error:?\s*)?rate limit(?:ed| exceeded| reached)\b/i,
  /^(?:error:?\s*)?(?:http )?429 too many requests/i,
  /^(?:error:?\s*)?you(?:'ve| have) (?:hit|reached) your (?:usage |session |weekly |monthly |daily )?limit/i,
  /^(?:error:?\s*)?(?:usage|quota) limit (?:reached|exceeded)/i,
  /^(?:error:?\s*)?(?:insufficient_quota|resource_exhausted|rate_limit_exceeded|overloaded_error)\b/i,
  /^(?:error:?\s*)?claude (?:ai )?usage limit reached/i,
];

const MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec";

/**
 * When the limit resets (epoch ms; may be in the past), from the matched text: "try again in 20 seconds",
 * "retry after 60", "resets at 3pm", "resets 3pm (America/New_York)", an ISO time, an epoch. Null when none is given.
 */
export function parseResetTime(text: string, now: number): number | null {
  const inDuration = /(?:try again|retry|reset[s]?|available again)\s+(?:in|after)\s+(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec(?:ond)?s?|m|min(?:ute)?s?|h|hours?)?\b/i.exec(text);
  if (inDuration) {
    const n = Number(inDuration[1]);
    const unit = (inDuration[2] ?? "s").toLowerCase();
    const ms = unit.startsWith("ms") || unit.startsWith("milli") ? 1 : unit.startsWith("h") ? 3_600_000 : unit.startsWith("m") ? 60_000 : 1_000;
    return now + n * ms;
  }
  const epoch = /"?(?:resets?_?at|resetsAt|reset_time)"?\s*[:=]\s*"?(\d{10,13})/i.exec(text);
  if (epoch) {
    const n = Number(epoch[1]);
    return n < 1e12 ? n * 1000 : n;
  }
  const iso = /resets?\s+(?:at\s+)?(\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)/i.exec(text);
  if (iso) {
    const t = Date.parse(iso[1]!);
    if (!Number.isNaN(t)) return t;
  }
  const clock = new RegExp(`resets?\\s+(?:at\\s+)?(?:(?:${MONTHS})\\w*\\s+\\d{1,2},?\\s+)?(\\d{1,2})(?::(\\d{2}))?\\s*(am|pm)?\\s*(?:\\(\\s*(${ZONE_NAME})\\s*\\)|(utc|gmt)\\b)?`, "i").exec(text);
  if (clock && (clock[3] || clock[2])) {
    let hours = Number(clock[1]) % 12;
    if (!clock[3]) hours = Number(clock[1]);
    else if (clock[3].toLowerCase() === "pm") hours += 12;
    const minutes = Number(clock[2] ?? 0);
    const zone = clock[5] || /^(utc|gmt)$/i.test(clock[4] ?? "") ? "UTC" : clock[4] ?? null;
    return nearestClockTime(hours, minutes, zone, now);
  }
  return null;
}

/** An IANA zone name as agents print it: `America/New_York`, `UTC`, `Etc/GMT+5`. */
const ZONE_NAME = "[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*";

/** The offset of `zone` from UTC at instant `t`, in ms (positive east of Greenwich). Throws RangeError for an unknown zone. */
function zoneOffsetMs(zone: string, t: number): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) - Math.floor(t / 1000) * 1000;
}

/** Epoch ms of wall-clock `hours:minutes` on the day `dayOffset` days from `now`'s date, in `zone` (null: local time). */
function clockTimeOn(hours: number, minutes: number, zone: string | null, now: number, dayOffset: number): number {
  if (zone === null) {
    const d = new Date(now);
    d.setDate(d.getDate() + dayOffset);
    d.setHours(hours, minutes, 0, 0);
    return d.getTime();
  }
  const today = new Date(now + zoneOffsetMs(zone, now)); // the zone's wall clock, read with UTC getters
  const wall = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + dayOffset, hours, minutes);
  const guess = wall - zoneOffsetMs(zone, wall);
  return wall - zoneOffsetMs(zone, guess); // again at the guess, for a day on which the offset changes
}

/**
 * The occurrence of a reset clock time nearest to `now`: "resets 7pm" read at 20:00 is an hour ago (the limit
 * should be gone: the caller retries after a short wait), read at 18:00 it is in an hour, and "resets 3am" read at
 * 20:00 is tomorrow. A named zone (`(America/New_York)`) is honoured through Intl; an unknown one means local time.
 */
function nearestClockTime(hours: number, minutes: number, zone: string | null, now: number): number {
  try {
    const candidates = [-1, 0, 1].map((day) => clockTimeOn(hours, minutes, zone, now, day));
    return candidates.reduce((best, t) => (Math.abs(t - now) < Math.abs(best - now) ? t : best));
  } catch (error) {
    if (error instanceof RangeError && zone !== null) return nearestClockTime(hours, minutes, null, now); // not a zone Intl knows
    throw error;
  }
}

/**
 * A rate limit reported in `texts` (the agent's error output and its final message), matched line by line
 * against `patterns`; null when none matches.
 */
export function detectRateLimit(texts: readonly string[], now: number, patterns: readonly RegExp[] = DEFAULT_RATE_LIMIT_PATTERNS): RateLimit | null {
  for (const text of texts) {
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line && patterns.some((p) => p.test(line))) return { resetAt: parseResetTime(text, now), line };
    }
  }
  return null;
}
