// The JavaScript example of Knock's Get Prospect API document, unchanged but for the host and
// the key (from KNOCK_BASE_URL and KNOCK_API_KEY) and the id (argv[2], default the document's).
// Run: KNOCK_BASE_URL=http://127.0.0.1:8000 node get_prospect.mjs 51316
const API_KEY = process.env.KNOCK_API_KEY ?? "syndication-prospect-TEST-KEY";
const getInternalProspect = async (prospectId) => {
const endpoint = `${process.env.KNOCK_BASE_URL}/prospect/${prospectId}`;
const res = await fetch(endpoint, {
headers: {
"Content-Type": "application/json",
"x-api-key": API_KEY
},
method: "GET"
});
const resp = await res.json();
if (res.status === 200) {
// Success, e.g. { id: '123' }
console.log(resp);
} else {
// Failure: details at resp.errorMessage
console.error(resp);
}
};
getInternalProspect(process.argv[2] ?? 51316);
