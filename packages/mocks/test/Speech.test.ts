import { createReadStream } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Seed } from "@24h/core"
import { Result } from "effect"
import { toFile } from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import * as Wav from "wav-decoder"
import { Speech } from "../src/index.ts"
import { journal, openai, run, settle, withLlm } from "./llm.ts"

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "24h-speech-"))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const decode = (u8: Uint8Array) =>
  Wav.decode(u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer)

const info = (bytes: Uint8Array) => {
  const r = Speech.readWav(bytes)
  if (Result.isFailure(r)) throw new Error(r.failure)
  return r.success
}

describe("Speech", () => {
  it("synthesizes a WAV whose duration is proportional to the text, which a decoder accepts", async () => {
    const short = Speech.synthesize("Hi.")
    const long = Speech.synthesize("Your refund of twelve euros was approved.")
    const decoded = await decode(long)
    expect(decoded.sampleRate).toBe(24_000)
    expect(decoded.channelData[0]!.length / 24_000).toBeCloseTo((41 * Speech.msPerChar) / 1000, 3)
    expect(info(long).durationMs / info(short).durationMs).toBeCloseTo(41 / 3, 5)
    expect(info(long).text).toBe("Your refund of twelve euros was approved.")
  })

  it("computes word error rate and corrupts text at a seeded rate", () => {
    expect(Speech.wordErrorRate("refund my order", "refund the order")).toBeCloseTo(1 / 3)
    const text = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ")
    const a = Speech.corrupt(text, 0.3, Seed.stream(Seed.make(5)))
    expect(Speech.corrupt(text, 0.3, Seed.stream(Seed.make(5)))).toBe(a)
    const wer = Speech.wordErrorRate(text, a)
    expect(wer).toBeGreaterThan(0.15)
    expect(wer).toBeLessThan(0.45)
  })

  it("reports a file that is not a WAV", () => {
    const r = Speech.readWav(new TextEncoder().encode("definitely not audio"))
    expect(Result.isFailure(r) && r.failure).toMatch(/not a RIFF\/WAVE file/)
  })
})

describe("LlmMock speech endpoints with the official openai client", () => {
  it("transcribes a real uploaded file: its own speech back to the text, a foreign file to seeded words", () =>
    withLlm({ seed: 11 }, async (llm) => {
      const client = openai(llm)
      const path = join(dir, "spoken.wav")
      await writeFile(path, Speech.synthesize("Please cancel my subscription."))
      const t = await client.audio.transcriptions.create({ file: createReadStream(path), model: "whisper-1" })
      expect(t.text).toBe("Please cancel my subscription.")
      const other = join(dir, "noise.bin")
      await writeFile(other, new Uint8Array(96_000).fill(7))
      const a = await client.audio.transcriptions.create({ file: createReadStream(other), model: "whisper-1" })
      const b = await client.audio.transcriptions.create({ file: createReadStream(other), model: "whisper-1" })
      expect(a.text.split(" ").length).toBeGreaterThan(2)
      expect(b.text).toBe(a.text)
      const verbose = await client.audio.transcriptions.create({
        file: createReadStream(path),
        model: "whisper-1",
        response_format: "verbose_json"
      })
      expect(verbose.duration).toBeCloseTo((30 * Speech.msPerChar) / 1000, 2)
      const text = await client.audio.transcriptions.create({
        file: createReadStream(path),
        model: "whisper-1",
        response_format: "text"
      })
      expect(text).toBe("Please cancel my subscription.")
    }))

  it("transcription faults: seeded word errors, empty transcript, 413 on a large file", () =>
    withLlm({ seed: 2, maxUploadBytes: 200_000 }, async (llm) => {
      const client = openai(llm, { maxRetries: 0 })
      const sentence = "the quick brown fox jumps over the lazy dog again and again today"
      const wav = Speech.synthesize(sentence.slice(0, 40))
      await run(
        llm.setSwitches([
          { kind: "wer", wordErrorRate: 0.5, times: 1 },
          { kind: "empty-transcript", times: 1, rate: 1, model: "empty" }
        ])
      )
      const noisy = await client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "whisper-1" })
      expect(Speech.wordErrorRate(sentence.slice(0, 40), noisy.text)).toBeGreaterThan(0)
      const empty = await client.audio.transcriptions.create({ file: await toFile(wav, "a.wav"), model: "empty" })
      expect(empty.text).toBe("")
      const big = await settle(
        client.audio.transcriptions.create({
          file: await toFile(new Uint8Array(250_000), "big.wav"),
          model: "whisper-1"
        })
      )
      expect(!big.ok && big.error).toMatch(/^413 .*250\d{3} bytes exceeds the limit of 200000 bytes/)
      const j = await journal(llm)
      expect(j.requests.map((e) => [e.status, e.faults.map((f) => f.kind).join()])).toEqual([
        [200, "wer"],
        [200, "empty-transcript"],
        [413, ""]
      ])
    }))

  it("a transcription timeout holds the request until the client gives up", () =>
    withLlm({ switches: [{ kind: "timeout" }] }, async (llm) => {
      const client = openai(llm, { maxRetries: 0 })
      const r = await settle(
        client.audio.transcriptions.create(
          { file: await toFile(Speech.synthesize("hello"), "a.wav"), model: "whisper-1" },
          { timeout: 300 }
        )
      )
      expect(!r.ok && r.name).toBe("APIConnectionTimeoutError")
    }))

  it("audio.speech.create gives WAV a decoder accepts; faults give silence, a lying sample rate, a cut file", () =>
    withLlm({}, async (llm) => {
      const client = openai(llm, { maxRetries: 0 })
      const input = "Thanks for calling, goodbye."
      const get = async (headers?: Record<string, string>) => {
        const r = await client.audio.speech.create(
          { model: "tts-1", voice: "alloy", input, response_format: "wav" },
          headers === undefined ? {} : { headers }
        )
        return new Uint8Array(await r.arrayBuffer())
      }
      const sw = (s: unknown) => ({ "x-24h-switches": JSON.stringify([s]) })
      const ok = await get()
      const decoded = await decode(ok)
      expect(decoded.channelData[0]!.length / decoded.sampleRate).toBeCloseTo(
        (input.length * Speech.msPerChar) / 1000,
        3
      )
      expect(decoded.channelData[0]!.some((x) => Math.abs(x) > 0.1)).toBe(true)
      const silent = await decode(await get(sw({ kind: "silence" })))
      expect(silent.channelData[0]!.every((x) => x === 0)).toBe(true)
      const lying = info(await get(sw({ kind: "wrong-sample-rate", sampleRate: 48_000 })))
      expect(lying.sampleRate).toBe(48_000)
      expect(lying.durationMs).toBeCloseTo((input.length * Speech.msPerChar) / 2, 0)
      const cut = await settle(get(sw({ kind: "truncated-audio", fraction: 0.25 })))
      expect(cut.ok).toBe(false) // the body ends before its announced Content-Length
      const pcm = await client.audio.speech.create({ model: "tts-1", voice: "alloy", input, response_format: "pcm" })
      expect((await pcm.arrayBuffer()).byteLength).toBe(input.length * ((24_000 * Speech.msPerChar) / 1000) * 2)
      const mp3 = await settle(
        client.audio.speech.create({ model: "tts-1", voice: "alloy", input, response_format: "mp3" })
      )
      expect(!mp3.ok && mp3.error).toMatch(/response_format: the simulator produces wav or pcm only \(got "mp3"\)/)
    }))
})
