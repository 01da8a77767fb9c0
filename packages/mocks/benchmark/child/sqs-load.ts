/**
 * Load for the QueueMock benchmark, in its own process: `concurrency` loops of SendMessage → ReceiveMessage →
 * DeleteMessage with the official `@aws-sdk/client-sqs`, bounded by time and by count. Prints one JSON line.
 *
 *   tsx sqs-load.ts <endpoint> <queueUrl> <concurrency> <ms> <maxMessages>
 */
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs"

const [endpoint, queueUrl, c, ms, max] = process.argv.slice(2)
const concurrency = Number(c)
const until = Date.now() + Number(ms)
const maxMessages = Number(max)
const sqs = new SQSClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  maxAttempts: 1
})
const BODY = JSON.stringify({ order: 1, sku: "A-1", qty: 2 })
let messages = 0
let errors = 0
const loop = async () => {
  while (Date.now() < until && messages + errors < maxMessages) {
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: BODY }))
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1 }))
      const m = r.Messages?.[0]
      if (m?.ReceiptHandle !== undefined)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }))
      messages++
    } catch {
      errors++
    }
  }
}
const started = Date.now()
await Promise.all(Array.from({ length: concurrency }, loop))
const seconds = (Date.now() - started) / 1000
sqs.destroy()
process.stdout.write(`${JSON.stringify({ messages, errors, mps: messages / seconds })}\n`)
