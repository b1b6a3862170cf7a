// The other side of tests/tests/electrodb.rs: ElectroDB (the real library, from npm)
// writing and reading the queue table that tests/specs/valid/queue_*.json adopt.
//
//   node electrodb_queue.js write   puts two jobs
//   node electrodb_queue.js read    prints the job at queue "q1", seq 42 as JSON
//   node electrodb_queue.js running prints the running jobs (the byStatus index) as JSON
//
// Environment: DYNAMO_ENDPOINT (the embedded store), DYNAMO_TABLE (the prefixed table).
const { Entity } = require("electrodb");
const { DynamoDBClient } = require("@aws-sdk/client-dynamodb");

const client = new DynamoDBClient({
  region: "us-east-1",
  endpoint: process.env.DYNAMO_ENDPOINT,
  credentials: { accessKeyId: "dynamongo-embedded", secretAccessKey: "dynamongo-embedded" },
});

const Job = new Entity(
  {
    model: { entity: "job", version: "1", service: "queue" },
    attributes: {
      queue: { type: "string", required: true },
      seq: { type: "number", required: true, padding: { length: 8, char: "0" } },
      status: { type: ["queued", "running", "done"] },
      priority: { type: "number", required: true, default: 5, padding: { length: 3, char: "0" } },
      region: { type: "string" },
      payload: { type: "string" },
    },
    indexes: {
      primary: {
        pk: { field: "pk", composite: ["queue"] },
        sk: { field: "sk", composite: ["seq"] },
      },
      byStatus: {
        index: "gsi1pk-gsi1sk-index",
        pk: { field: "gsi1pk", composite: ["status"] },
        sk: { field: "gsi1sk", composite: ["priority", "region", "seq"] },
      },
    },
  },
  { table: process.env.DYNAMO_TABLE, client },
);

async function main() {
  switch (process.argv[2]) {
    case "write":
      await Job.put({ queue: "q1", seq: 7, status: "running", priority: 2, region: "eu", payload: "from electrodb" }).go();
      await Job.put({ queue: "q1", seq: 8, status: "queued", region: "us" }).go();
      break;
    case "read": {
      const { data } = await Job.get({ queue: "q1", seq: 42 }).go();
      console.log(JSON.stringify(data));
      break;
    }
    case "running": {
      const { data } = await Job.query.byStatus({ status: "running" }).go();
      console.log(JSON.stringify(data));
      break;
    }
    default:
      throw new Error(`unknown command ${process.argv[2]}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
