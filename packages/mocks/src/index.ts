/**
 * `@24h/mocks`: seeded datasets in four tiers and simulated upstream services with failure switches and
 * client-resilience verdicts.
 *
 * @since 0.1.0
 */
export * as Adversarial from "./Adversarial.ts"
export * as Dataset from "./Dataset.ts"
export * as FailureSwitch from "./FailureSwitch.ts"
export * as HttpLoad from "./HttpLoad.ts"
export * as HttpMock from "./HttpMock.ts"
export * as LlmMock from "./LlmMock.ts"
export { MocksError, type MocksErrorReason } from "./MocksError.ts"
export * as Packs from "./Packs.ts"
export * as QueueMock from "./QueueMock.ts"
export * as SchemaDrift from "./SchemaDrift.ts"
export * as Sensor from "./Sensor.ts"
export * as Speech from "./Speech.ts"
export * as Verdict from "./Verdict.ts"
