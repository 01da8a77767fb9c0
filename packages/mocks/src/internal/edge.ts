/** Boundary values used by the edge tier. */

/** Strings at the edges: empty, whitespace, unicode normalisation pairs, astral and ZWJ sequences, controls. */
export const edgeStrings: ReadonlyArray<string> = [
  "",
  " ",
  "a",
  "  leading and trailing  ",
  "e\u0301", // NFD "é"
  "\u00e9", // NFC "é"
  "\u2126", // OHM SIGN, NFKC → Ω
  "\ufb01", // "ﬁ" ligature
  "\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}", // family emoji, 1 grapheme, 11 UTF-16 units
  "\u{1D573}\u{1D58A}\u{1D591}\u{1D591}\u{1D594}", // astral letters
  "O'Brien-Łukasz Ñúñez",
  "line\nbreak\r\nand\ttab",
  "null",
  "undefined",
  "NaN",
  "0",
  "-0",
  "true",
  "\u0000",
  "\uD800", // lone surrogate
  "日本語テキスト",
  "مرحبا"
]

/** Instants at the edges: epoch, leap day, DST transitions (EU and US), the 2038 rollover, far future/past. */
export const edgeInstants: ReadonlyArray<string> = [
  "1970-01-01T00:00:00.000Z",
  "1969-12-31T23:59:59.999Z",
  "2000-02-29T12:00:00.000Z",
  "2024-02-29T23:59:59.999Z",
  "2026-03-29T01:00:00.000Z", // EU spring forward (02:00 CET → 03:00 CEST)
  "2026-10-25T00:59:59.999Z", // EU fall back, last instant before
  "2026-03-08T10:00:00.000Z", // US spring forward (02:00 EST, 07:00Z) ...
  "2026-11-01T06:00:00.000Z", // US fall back (02:00 EDT)
  "2038-01-19T03:14:08.000Z", // int32 seconds overflow
  "2099-12-31T23:59:59.999Z",
  "1900-01-01T00:00:00.000Z"
]

/** Time zones at the edges: extreme offsets, half and quarter hours, DST zones. */
export const edgeTimeZones: ReadonlyArray<string> = [
  "UTC",
  "Pacific/Kiritimati", // +14:00
  "Pacific/Pago_Pago", // -11:00
  "Asia/Kathmandu", // +05:45
  "Asia/Kolkata", // +05:30
  "Australia/Lord_Howe", // 30-minute DST
  "America/St_Johns", // -03:30
  "Europe/London",
  "America/New_York"
]

/** Floats at the edges (all JSON-representable). */
export const edgeFloats: ReadonlyArray<number> = [
  0,
  -0,
  0.1 + 0.2,
  Number.EPSILON,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  1e-7,
  1e21,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  0.5,
  -1.5
]

/** Integers at the edges. */
export const edgeInts: ReadonlyArray<number> = [
  0,
  -1,
  1,
  255,
  256,
  32767,
  -32768,
  2147483647,
  -2147483648,
  4294967295,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER
]

/** Big integers past 2^53 (as bigint; datasets that serialise to JSON write them as decimal strings). */
export const edgeBigInts: ReadonlyArray<bigint> = [
  0n,
  9007199254740993n,
  -9007199254740993n,
  9223372036854775807n,
  -9223372036854775808n,
  18446744073709551615n,
  340282366920938463463374607431768211455n
]
