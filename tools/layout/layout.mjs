// Reads BPMN 2.0 XML on stdin, lays out the first process with bpmn-auto-layout and
// writes the result (semantics plus BPMN DI) to stdout. No network access: everything
// comes from node_modules. engine/design/layout/ post-processes the result
// (pool, lane bands, orthogonal edges, labels).
import { layoutProcess } from 'bpmn-auto-layout';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

try {
  const xml = await readStdin();
  const result = await layoutProcess(xml);
  process.stdout.write(result);
} catch (error) {
  process.stderr.write(`bpmn-auto-layout failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
}
