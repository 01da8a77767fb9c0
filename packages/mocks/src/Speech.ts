/**
 * Speech for the simulated providers: real 16-bit PCM WAV audio whose duration is proportional to the text (what
 * `LlmMock` answers on `POST /v1/audio/speech`), a WAV header reader, and the word-error arithmetic its
 * transcription endpoint uses (`POST /v1/audio/transcriptions`).
 *
 * The audio is a tone per character (its pitch from the character), so it is real audio a decoder and a player
 * accept; the text is also kept in a `LIST/INFO` chunk after the samples, so the mock's transcription of its own
 * speech is the text it spoke — a round trip a test can assert on.
 *
 * @example
 * ```ts
 * import { Speech } from "@24h/mocks"
 * import { Result } from "effect"
 *
 * const wav = Speech.synthesize("Your order has shipped.")
 * const info = Speech.readWav(wav)
 * if (Result.isSuccess(info)) console.log(info.success.durationMs, info.success.text)
 * ```
 *
 * @since 0.2.0
 */
import type { Seed } from "@24h/core"
import { Result } from "effect"
import { LOREM } from "./internal/words.ts"

/**
 * Milliseconds of audio per character of text at speed 1.
 *
 * @example
 * ```ts
 * import { Speech } from "@24h/mocks"
 * const expectedMs = "hello".length * Speech.msPerChar
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const msPerChar = 60

/**
 * The sample rate of the simulated voice (OpenAI's PCM output rate).
 *
 * @example
 * ```ts
 * import { Speech } from "@24h/mocks"
 * Speech.sampleRate // 24000
 * ```
 *
 * @category constants
 * @since 0.2.0
 */
export const sampleRate = 24_000

/**
 * Options of {@link synthesize} and {@link pcm}. The three last ones are the audio faults.
 *
 * @example
 * ```ts
 * import type { Speech } from "@24h/mocks"
 * const fault: Speech.SynthesizeOptions = { headerSampleRate: 48_000 } // plays at double speed
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface SynthesizeOptions {
  /** Speaking speed, 0.25 to 4. Default 1. */
  readonly speed?: number
  /** Every sample zero (the `silence` fault). Default false. */
  readonly silence?: boolean
  /** The sample rate written in the header, when it should lie (the `wrong-sample-rate` fault). */
  readonly headerSampleRate?: number
  /** Keep only this fraction of the samples while the header announces them all (the `truncated-audio` fault). */
  readonly truncateTo?: number
}

/**
 * Raw PCM: signed 16-bit little-endian mono samples at {@link sampleRate}.
 *
 * @example
 * ```ts
 * import { Speech } from "@24h/mocks"
 * const samples = Speech.pcm("hi").byteLength / 2
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const pcm = (text: string, options: SynthesizeOptions = {}): Uint8Array => {
  const speed = options.speed ?? 1
  const perChar = Math.max(1, Math.round((sampleRate * msPerChar) / 1000 / speed))
  const chars = Array.from(text)
  const out = new Uint8Array(chars.length * perChar * 2)
  if (options.silence === true) return out
  const view = new DataView(out.buffer)
  let i = 0
  for (const ch of chars) {
    const code = ch.codePointAt(0) ?? 32
    const voiced = !/\s/.test(ch)
    const freq = 180 + (code % 48) * 15
    for (let k = 0; k < perChar; k++) {
      // A short fade in and out per character keeps the tones click-free.
      const env = Math.min(1, k / 120, (perChar - k) / 120)
      const v = voiced ? Math.sin((2 * Math.PI * freq * k) / sampleRate) * 0.3 * env : 0
      view.setInt16(i, Math.round(v * 32767), true)
      i += 2
    }
  }
  return out
}

const ascii = (view: DataView, at: number, s: string) => {
  for (let i = 0; i < s.length; i++) view.setUint8(at + i, s.charCodeAt(i))
}

/**
 * A WAV file (RIFF, PCM 16-bit mono) speaking `text`, with the text in a `LIST/INFO/ICMT` chunk after the samples.
 *
 * @example
 * ```ts
 * import { Speech } from "@24h/mocks"
 * import { writeFileSync } from "node:fs"
 * writeFileSync("hello.wav", Speech.synthesize("Hello there"))
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const synthesize = (text: string, options: SynthesizeOptions = {}): Uint8Array => {
  const samples = pcm(text, options)
  const comment = new TextEncoder().encode(text)
  const padded = comment.byteLength + 1 + ((comment.byteLength + 1) % 2)
  const listSize = 4 + 8 + padded
  const headerRate = options.headerSampleRate ?? sampleRate
  const total = 44 + samples.byteLength + 8 + listSize
  const buf = new Uint8Array(total)
  const view = new DataView(buf.buffer)
  ascii(view, 0, "RIFF")
  view.setUint32(4, total - 8, true)
  ascii(view, 8, "WAVE")
  ascii(view, 12, "fmt ")
  view.setUint32(16, 16, true)
  view.setUint16(20, 1, true) // PCM
  view.setUint16(22, 1, true) // mono
  view.setUint32(24, headerRate, true)
  view.setUint32(28, headerRate * 2, true)
  view.setUint16(32, 2, true)
  view.setUint16(34, 16, true)
  ascii(view, 36, "data")
  view.setUint32(40, samples.byteLength, true)
  buf.set(samples, 44)
  const list = 44 + samples.byteLength
  ascii(view, list, "LIST")
  view.setUint32(list + 4, listSize, true)
  ascii(view, list + 8, "INFO")
  ascii(view, list + 12, "ICMT")
  view.setUint32(list + 16, padded, true)
  buf.set(comment, list + 20)
  if (options.truncateTo !== undefined) {
    const keep = 44 + Math.floor((samples.byteLength * options.truncateTo) / 2) * 2
    return buf.slice(0, keep)
  }
  return buf
}

/**
 * What a WAV header says, and what the file holds.
 *
 * @example
 * ```ts
 * import type { Speech } from "@24h/mocks"
 * const truncated = (w: Speech.WavInfo) => w.dataBytes > w.presentBytes
 * ```
 *
 * @category models
 * @since 0.2.0
 */
export interface WavInfo {
  readonly sampleRate: number
  readonly channels: number
  readonly bitsPerSample: number
  /** Sample bytes the `data` chunk announces. */
  readonly dataBytes: number
  /** Sample bytes actually present. */
  readonly presentBytes: number
  /** Duration from the header's rate and the announced bytes. */
  readonly durationMs: number
  /** The `LIST/INFO/ICMT` text, when present. */
  readonly text: string | undefined
}

/**
 * Reads a WAV file's header and chunks; a failure says what was wrong and at which byte.
 *
 * @example
 * ```ts
 * import { Speech } from "@24h/mocks"
 * import { Result } from "effect"
 * const r = Speech.readWav(Speech.synthesize("ok"))
 * Result.isSuccess(r) // true
 * ```
 *
 * @category parsing
 * @since 0.2.0
 */
export const readWav = (bytes: Uint8Array): Result.Result<WavInfo, string> => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const str = (at: number) => (at + 4 <= bytes.byteLength ? String.fromCharCode(...bytes.subarray(at, at + 4)) : "")
  if (str(0) !== "RIFF" || str(8) !== "WAVE") return Result.fail("Speech.readWav: not a RIFF/WAVE file (bytes 0-11)")
  let at = 12
  let fmt: { sampleRate: number; channels: number; bits: number } | undefined
  let data: { size: number; present: number } | undefined
  let text: string | undefined
  while (at + 8 <= bytes.byteLength) {
    const id = str(at)
    const size = view.getUint32(at + 4, true)
    const body = at + 8
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.byteLength) return Result.fail(`Speech.readWav: short fmt chunk at byte ${at}`)
      fmt = {
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true)
      }
    } else if (id === "data") {
      data = { size, present: Math.max(0, Math.min(size, bytes.byteLength - body)) }
    } else if (id === "LIST" && str(body) === "INFO") {
      let p = body + 4
      while (p + 8 <= Math.min(bytes.byteLength, body + size)) {
        const sub = str(p)
        const n = view.getUint32(p + 4, true)
        if (sub === "ICMT") {
          text = new TextDecoder()
            .decode(bytes.subarray(p + 8, Math.min(bytes.byteLength, p + 8 + n)))
            .replace(/\0+$/, "")
        }
        p += 8 + n + (n % 2)
      }
    }
    at = body + size + (size % 2)
  }
  if (fmt === undefined) return Result.fail("Speech.readWav: no fmt chunk")
  if (data === undefined) return Result.fail("Speech.readWav: no data chunk")
  const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bits / 8)
  return Result.succeed({
    sampleRate: fmt.sampleRate,
    channels: fmt.channels,
    bitsPerSample: fmt.bits,
    dataBytes: data.size,
    presentBytes: data.present,
    durationMs: bytesPerSecond > 0 ? (data.size / bytesPerSecond) * 1000 : 0,
    text
  })
}

const words = (s: string): Array<string> => s.split(/\s+/).filter((w) => w.length > 0)

/**
 * The word error rate of a hypothesis against a reference: (substitutions + deletions + insertions) / reference
 * words, by word-level edit distance.
 *
 * @example
 * ```ts
 * import { Speech } from "@24h/mocks"
 * Speech.wordErrorRate("refund my order", "refund the order") // 1/3
 * ```
 *
 * @category measuring
 * @since 0.2.0
 */
export const wordErrorRate = (reference: string, hypothesis: string): number => {
  const r = words(reference.toLowerCase())
  const h = words(hypothesis.toLowerCase())
  if (r.length === 0) return h.length === 0 ? 0 : 1
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j)
  for (let i = 1; i <= r.length; i++) {
    const cur = [i]
    for (let j = 1; j <= h.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (r[i - 1] === h[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[h.length]! / r.length
}

/**
 * Corrupts a transcript with seeded word errors: each word, with probability `rate`, is substituted, deleted or
 * followed by an inserted word.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { Speech } from "@24h/mocks"
 * Speech.corrupt("cancel my subscription today", 0.5, Seed.stream(Seed.make(1)))
 * ```
 *
 * @category faults
 * @since 0.2.0
 */
export const corrupt = (text: string, rate: number, rng: Seed.Stream): string => {
  const out: Array<string> = []
  for (const w of words(text)) {
    if (!rng.chance(rate)) {
      out.push(w)
      continue
    }
    const op = rng.nextInt(0, 2)
    if (op === 0) out.push(rng.pick(LOREM))
    else if (op === 2) out.push(w, rng.pick(LOREM))
  }
  return out.join(" ")
}

/**
 * A seeded transcript for audio the mock did not speak itself: a few words per second of audio.
 *
 * @example
 * ```ts
 * import { Seed } from "@24h/core"
 * import { Speech } from "@24h/mocks"
 * Speech.babble(3000, Seed.stream(Seed.make(1))) // about 7 words
 * ```
 *
 * @category constructors
 * @since 0.2.0
 */
export const babble = (durationMs: number, rng: Seed.Stream): string => {
  const n = Math.max(1, Math.round((durationMs / 1000) * 2.5))
  const out: Array<string> = []
  for (let i = 0; i < n; i++) out.push(rng.pick(LOREM))
  const s = out.join(" ")
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`
}
