declare module "wav-decoder" {
  export interface AudioData {
    readonly sampleRate: number
    readonly channelData: ReadonlyArray<Float32Array>
  }
  export function decode(buffer: ArrayBuffer | Uint8Array): Promise<AudioData>
}
