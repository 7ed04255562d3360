// Reading a rate limit's reset time: durations, clock times (nearest occurrence, so a past one is past), named zones.
import { describe, expect, test } from "bun:test";
import { parseResetTime } from "../../src/agents/rate-limit.ts";

const at = (iso: string) => Date.parse(iso);

describe("parseResetTime", () => {
  test("a named IANA zone is honoured, with its daylight saving time", () => {
    // 15 January: New York is UTC-5; 15 July: UTC-4.
    expect(parseResetTime("You've hit your limit · resets 3pm (America/New_York)", at("2026-01-15T12:00:00Z"))).toBe(at("2026-01-15T20:00:00Z"));
    expect(parseResetTime("You've hit your limit · resets 3pm (America/New_York)", at("2026-07-15T12:00:00Z"))).toBe(at("2026-07-15T19:00:00Z"));
    expect(parseResetTime("resets 9:30am (Asia/Tokyo)", at("2026-03-01T22:00:00Z"))).toBe(at("2026-03-02T00:30:00Z"));
    expect(parseResetTime("resets 7pm (UTC)", at("2026-03-01T18:00:00Z"))).toBe(at("2026-03-01T19:00:00Z"));
  });

  test("a clock time already past is in the past (the limit should be gone), not tomorrow", () => {
    expect(parseResetTime("resets 7:00pm (UTC)", at("2026-03-01T20:00:00Z"))).toBe(at("2026-03-01T19:00:00Z"));
  });

  test("a clock time far behind is the next day's", () => {
    expect(parseResetTime("resets 3am (UTC)", at("2026-03-01T20:00:00Z"))).toBe(at("2026-03-02T03:00:00Z"));
  });

  test("an unknown zone falls back to local time; durations and epochs still work", () => {
    expect(parseResetTime("resets 3pm (Not/AZone)", Date.now())).toBeNumber();
    expect(parseResetTime("try again in 20 seconds", 1_000)).toBe(21_000);
    expect(parseResetTime('{"resets_at": 1767225600}', 0)).toBe(1_767_225_600_000);
  });
});
