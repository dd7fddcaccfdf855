// Runs one query twice through each of the real clients' persisted-query set-ups, as mobile
// apps configure them: Apollo Client 4 with its persisted-queries link (hashed queries over
// GET) and urql with its persisted exchange (GET preferred). Prints one JSON object: every
// HTTP request the clients made (method, whether it carried the query text) and each result.
// Usage: node persisted.mjs HTTP_URL TOKEN APOLLO_QUERY URQL_QUERY
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { Client, fetchExchange } from "@urql/core";
import { persistedExchange } from "@urql/exchange-persisted";

const [url, token, apolloQuery, urqlQuery] = process.argv.slice(2);
const requests = { apollo: [], urql: [] };

function recording(name) {
  return async (input, init = {}) => {
    const target = new URL(typeof input === "string" ? input : input.url);
    const method = (init.method || "GET").toUpperCase();
    const body = typeof init.body === "string" ? JSON.parse(init.body) : null;
    const carriesQuery = method === "GET" ? target.searchParams.has("query") : Boolean(body && body.query);
    const response = await fetch(input, init);
    const copy = await response.clone().json().catch(() => null);
    const codes = ((copy && copy.errors) || []).map((e) => e.extensions && e.extensions.code);
    requests[name].push({ method, carriesQuery, status: response.status, codes });
    return response;
  };
}

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const headers = { authorization: `Bearer ${token}` };
const output = { requests, apollo: [], urql: [] };

try {
  const apollo = new ApolloClient({
    link: new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
      new HttpLink({ uri: url, headers, fetch: recording("apollo") }),
    ),
    cache: new InMemoryCache(),
  });
  for (let i = 0; i < 2; i += 1) {
    const result = await apollo.query({ query: gql(apolloQuery), fetchPolicy: "network-only" });
    output.apollo.push({ data: result.data, error: result.error ? String(result.error) : null });
  }

  const urql = new Client({
    url,
    fetch: recording("urql"),
    fetchOptions: { headers },
    requestPolicy: "network-only",
    exchanges: [persistedExchange({ preferGetForPersistedQueries: true, generateHash: async (q) => sha256(q) }), fetchExchange],
  });
  for (let i = 0; i < 2; i += 1) {
    const result = await urql.query(urqlQuery, {}).toPromise();
    output.urql.push({ data: result.data ?? null, error: result.error ? String(result.error) : null });
  }
  process.stdout.write(JSON.stringify(output) + "\n");
  process.exit(0);
} catch (error) {
  process.stdout.write(JSON.stringify({ ...output, failure: String(error && error.stack || error) }) + "\n");
  process.exit(1);
}
