// Runs three queries at once through Apollo Client 4's BatchHttpLink, which sends them as one
// POST of a JSON array. Prints one JSON object: the HTTP requests made (how many operations
// each carried, the status) and each query's result.
// Usage: node batch.mjs HTTP_URL TOKEN
import { ApolloClient, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";

const [url, token] = process.argv.slice(2);
const requests = [];

async function recording(input, init = {}) {
  const body = typeof init.body === "string" ? JSON.parse(init.body) : null;
  const response = await fetch(input, init);
  requests.push({ operations: Array.isArray(body) ? body.length : 1, status: response.status });
  return response;
}

const output = { requests, results: [] };
try {
  const client = new ApolloClient({
    link: new BatchHttpLink({
      uri: url, headers: { authorization: `Bearer ${token}` }, fetch: recording, batchMax: 10,
      batchInterval: 20,
    }),
    cache: new InMemoryCache(),
  });
  const queries = [
    "query Email { viewer { account { email } } }",
    "query Name { viewer { account { displayName } } }",
    "query Typename { __typename }",
  ];
  const results = await Promise.all(
    queries.map((q) => client.query({ query: gql(q), fetchPolicy: "network-only" })),
  );
  output.results = results.map((r) => ({ data: r.data, error: r.error ? String(r.error) : null }));
  process.stdout.write(JSON.stringify(output) + "\n");
  process.exit(0);
} catch (error) {
  process.stdout.write(JSON.stringify({ ...output, failure: String(error && error.stack || error) }) + "\n");
  process.exit(1);
}
