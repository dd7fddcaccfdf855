// Drives one operation through the reference graphql-ws client (what Apollo, urql and GraphiQL
// use) and prints each result as a JSON line; prints {"error": ...} and exits 1 on failure.
// Usage: node subscribe.mjs URL TOKEN QUERY VARIABLES_JSON COUNT
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const [url, token, query, variablesJson, countText] = process.argv.slice(2);
const wanted = Number(countText);
let received = 0;

function fail(error) {
  const text = error instanceof Error ? error.message : JSON.stringify(error);
  const code = error && typeof error.code === "number" ? error.code : null;
  process.stdout.write(JSON.stringify({ error: text, code }) + "\n");
  process.exit(1);
}

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
  retryAttempts: 0,
  lazy: false,
  onNonLazyError: fail,
});

const timer = setTimeout(() => fail(new Error("timed out")), 20000);

client.subscribe(
  { query, variables: JSON.parse(variablesJson) },
  {
    next: (result) => {
      process.stdout.write(JSON.stringify({ next: result }) + "\n");
      received += 1;
      if (received >= wanted) {
        clearTimeout(timer);
        client.dispose();
        process.stdout.write(JSON.stringify({ done: received }) + "\n");
        process.exit(0);
      }
    },
    error: fail,
    complete: () => {
      clearTimeout(timer);
      process.stdout.write(JSON.stringify({ complete: received }) + "\n");
      client.dispose();
      process.exit(0);
    },
  },
);
// Tell the test the subscription is registered once the socket is acknowledged.
client.on("connected", () => process.stdout.write(JSON.stringify({ connected: true }) + "\n"));
