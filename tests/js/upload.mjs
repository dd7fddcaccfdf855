// Uploads one KYC document through GraphQL with apollo-upload-client (the GraphQL multipart
// request spec) and Apollo Client 4, as a web or mobile app does, and prints the mutation's
// result as one JSON line ({"failure": ...} and exit 1 if the client itself failed).
// Usage: node upload.mjs HTTP_URL TOKEN ORGANISATION_ID KIND FILE_BASE64 CONTENT_TYPE FILENAME
import { ApolloClient, InMemoryCache, gql } from "@apollo/client";
import UploadHttpLink from "apollo-upload-client/UploadHttpLink.mjs";

const [url, token, organisationId, kind, base64, contentType, filename] = process.argv.slice(2);

const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: new UploadHttpLink({ uri: url, headers: { authorization: `Bearer ${token}` } }),
});

const UPLOAD = gql`
  mutation Upload($input: KycDocumentUploadInput!) {
    kycDocumentUpload(input: $input) {
      document { id kind filename contentType size }
      kyc { documents { kind } }
      userErrors { code field message }
    }
  }
`;

try {
  const file = new File([Buffer.from(base64, "base64")], filename, { type: contentType });
  const result = await client.mutate({
    mutation: UPLOAD,
    variables: { input: { organisationId, kind, file } },
  });
  process.stdout.write(JSON.stringify({ data: result.data, error: result.error ? String(result.error) : null }) + "\n");
  process.exit(0);
} catch (error) {
  process.stdout.write(JSON.stringify({ failure: String((error && error.stack) || error) }) + "\n");
  process.exit(1);
}
