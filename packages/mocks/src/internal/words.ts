/** Word lists shared by the packs and the zod generator (small, fixed: changing them changes golden vectors). */
export const FIRST_NAMES = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Elif",
  "Farah",
  "Goran",
  "Hana",
  "Ibrahim",
  "Jia",
  "Kofi",
  "Lena",
  "Mateo",
  "Noor",
  "Olga",
  "Priya",
  "Quentin",
  "Rosa",
  "Sven",
  "Tomasz",
  "Uma",
  "Viktor",
  "Wen",
  "Ximena",
  "Yusuf",
  "Zoë",
  "Amara",
  "Bruno",
  "Carmen",
  "Diego",
  "Emma",
  "Finn"
] as const
export const LAST_NAMES = [
  "Silva",
  "Müller",
  "Nakamura",
  "Okafor",
  "Kowalski",
  "García",
  "Johansson",
  "Nguyen",
  "Haddad",
  "Rossi",
  "Dubois",
  "Novak",
  "Patel",
  "Smith",
  "Ivanova",
  "Yilmaz",
  "Kim",
  "Santos",
  "Cohen",
  "O'Neill",
  "Andersen",
  "Fischer",
  "Moreau",
  "Popescu",
  "Tanaka",
  "Mensah",
  "Costa",
  "Horvat",
  "Lindqvist",
  "Byrne",
  "Zhang",
  "Alvarez"
] as const
export const DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "test.example"] as const
export const COUNTRIES = [
  ["DE", "Berlin"],
  ["FR", "Lyon"],
  ["GB", "Leeds"],
  ["US", "Denver"],
  ["BR", "Recife"],
  ["JP", "Osaka"],
  ["IN", "Pune"],
  ["NG", "Lagos"],
  ["PL", "Gdańsk"],
  ["SE", "Malmö"],
  ["ES", "Sevilla"],
  ["CA", "Halifax"]
] as const
export const LOREM = [
  "lorem",
  "ipsum",
  "dolor",
  "sit",
  "amet",
  "consectetur",
  "adipiscing",
  "elit",
  "sed",
  "do",
  "eiusmod",
  "tempor",
  "incididunt",
  "ut",
  "labore",
  "et",
  "dolore",
  "magna",
  "aliqua",
  "enim",
  "ad",
  "minim",
  "veniam",
  "quis"
] as const
export const MERCHANTS = [
  "Corner Café",
  "Nordic Rail",
  "Pixel Books",
  "Green Grocer",
  "CloudHost",
  "City Parking",
  "Ocean Air",
  "Bright Pharmacy",
  "Metro Fuel",
  "Studio Gym"
] as const
export const CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF", "SEK", "PLN", "BRL", "INR", "KWD"] as const
/** Minor-unit exponent per currency (ISO 4217): JPY has none, KWD has three. */
export const MINOR_UNITS: Record<string, number> = { JPY: 0, KWD: 3 }
export const SERVICES = ["api", "billing", "auth", "search", "worker", "gateway"] as const
export const LOG_MESSAGES = [
  "request completed",
  "cache miss",
  "retrying upstream call",
  "connection pool exhausted",
  "user signed in",
  "payment authorised",
  "job scheduled",
  "slow query",
  "token refreshed",
  "circuit opened"
] as const
export const PROMPTS = [
  "Summarise my last three invoices.",
  "What is the status of order 4412?",
  "Translate 'good morning' to Polish.",
  "Draft a polite reply declining the meeting.",
  "Which plan includes priority support?",
  "Explain this error: ECONNRESET.",
  "List the steps to reset my password.",
  "Give me a haiku about queues."
] as const
export const CLINICIANS = [
  "Dr. Adeyemi",
  "Dr. Berg",
  "Dr. Chen",
  "Nurse Dalton",
  "Dr. Esposito",
  "Nurse Farouk"
] as const
export const OBSERVATIONS = ["routine check", "post-op", "follow-up", "triage", "medication review"] as const
