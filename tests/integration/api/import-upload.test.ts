/**
 * POST /api/import, the Import page's upload, on checkpoints PyTorch wrote: a good file becomes
 * an indexed run (its γ equal to what PyTorch saved) and uploading it again changes nothing; a
 * malicious pickle, a file over the size cap (declared or streamed), a file that is not a
 * checkpoint, a cross-site request and a request from off this machine are refused with a message
 * naming the file and the problem, and nothing stored changes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasTorch, runPython } from "../../support/torch";

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-api-import-"));
const data = path.join(tmp, "data");
const runs = path.join(data, "runs");
process.env.DATABASE_URL = `file:${path.join(tmp, "api.db")}`;
process.env.BNLAB_DATA_DIR = data;
process.env.BNLAB_RUNS_DIR = runs;
delete process.env.BNLAB_TOKEN;
delete process.env.BNLAB_IMPORT_MAX_BYTES;

const HOST = "127.0.0.1:3000";

interface Send {
  name?: string;
  body: Uint8Array | ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

async function post({ name, body, headers = {} }: Send): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const { POST } = await import("../../../app/api/import/route");
  const q = name === undefined ? "" : `?name=${encodeURIComponent(name)}`;
  const req = new Request(`http://${HOST}/api/import${q}`, {
    method: "POST",
    body,
    headers: { host: HOST, origin: `http://${HOST}`, "content-type": "application/octet-stream", ...headers },
    duplex: "half",
  } as RequestInit);
  const res = await POST(req);
  return { status: res.status, body: JSON.parse(await res.text()) as Record<string, unknown>, headers: res.headers };
}

/** Everything under the data folder but the database: what a refused upload must leave as it was. */
function stored(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      out.push(path.relative(data, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(data);
  return out.sort();
}

function streamOf(bytes: Uint8Array, chunk = 1000): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(at, at + chunk));
      at += chunk;
    },
  });
}

describe.skipIf(!hasTorch)("POST /api/import", () => {
  const src = path.join(tmp, "src");
  const marker = path.join(tmp, "pwned");
  let expected: Record<string, Record<string, { values: number[] }>>;
  const file = (n: string) => new Uint8Array(readFileSync(path.join(src, n)));
  let runCount: () => Promise<number>;
  let closeDb: () => Promise<void>;

  beforeAll(async () => {
    mkdirSync(src);
    runPython(path.resolve("tests/support/pytorch_checkpoints.py"), [src, marker]);
    expected = JSON.parse(readFileSync(path.join(src, "expected.json"), "utf8")) as typeof expected;
    const { openDb } = await import("../../../lib/db/client");
    const { listRuns } = await import("../../../lib/db/queries");
    const db = await openDb();
    runCount = async () => (await listRuns(db)).total;
    closeDb = () => db.close();
  }, 300_000);
  afterAll(async () => {
    await closeDb?.();
    rmSync(tmp, { recursive: true, force: true });
  });

  let id = "";

  it("imports and indexes an uploaded checkpoint; its γ is what PyTorch saved", async () => {
    const r = await post({ name: "plain.pth", body: file("plain.pth") });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    id = String(r.body.id);
    expect(r.body).toMatchObject({ change: "added", name: "plain", architecture: "unknown", forwardUnavailable: "unknown architecture", href: `/runs/${id}` });
    expect(r.body.bnChannels).toBe(expected["plain.pth"]["1.weight"].values.length);
    expect(r.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await runCount()).toBe(1);
    // Kept under the data folder by content, byte for byte; no staging folder left behind.
    const kept = stored().filter((p) => p.endsWith("plain.pth"));
    expect(kept).toHaveLength(1);
    expect(Buffer.compare(readFileSync(path.join(data, kept[0])), Buffer.from(file("plain.pth")))).toBe(0);
    expect(stored().filter((p) => p.includes(".upload-"))).toEqual([]);
    const { GET } = await import("../../../app/api/runs/[id]/gamma/route");
    const g = await GET(new Request(`http://${HOST}/api/runs/${id}/gamma`), { params: Promise.resolve({ id }) });
    const layers = ((await g.json()) as { layers: { absGammaSorted: number[] }[] }).layers;
    expect(layers[0].absGammaSorted).toEqual(expected["plain.pth"]["1.weight"].values.map((v) => Math.abs(Math.fround(v))).sort((a, b) => a - b));
  });

  it("the same file again changes nothing", async () => {
    const before = stored();
    const r = await post({ name: "plain.pth", body: streamOf(file("plain.pth")) });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id, change: "unchanged" });
    expect(stored()).toEqual(before);
    expect(await runCount()).toBe(1);
  });

  it("refuses a pickle that calls os.system, naming the file and the global; marker never created, nothing stored", async () => {
    const before = stored();
    const r = await post({ name: "evil.pth", body: file("malicious.pth") });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatch(/^evil\.pth: refused: the pickle names the global "posix\.system"/);
    expect(String(r.body.error)).not.toContain(data);
    expect(existsSync(marker)).toBe(false);
    expect(stored()).toEqual(before);
    expect(await runCount()).toBe(1);
  });

  it("refuses a truncated checkpoint with the reader's reason, nothing stored", async () => {
    const before = stored();
    const whole = file("nested.pth");
    const r = await post({ name: "cut.pth", body: whole.subarray(0, Math.floor(whole.length / 2)) });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatch(/^cut\.pth: /);
    expect(stored()).toEqual(before);
  });

  it("refuses a file over the size cap, declared or streamed, naming the file and the cap", async () => {
    const before = stored();
    process.env.BNLAB_IMPORT_MAX_BYTES = "2048";
    try {
      const bytes = file("nested.pth");
      expect(bytes.length).toBeGreaterThan(2048);
      const declared = await post({ name: "big.pth", body: bytes, headers: { "content-length": String(bytes.length) } });
      expect(declared.status).toBe(413);
      expect(declared.body.error).toMatch(/^big\.pth is .* over the import limit of 2,048 bytes/);
      const streamed = await post({ name: "big.pth", body: streamOf(bytes, 512) });
      expect(streamed.status).toBe(413);
      expect(streamed.body.error).toMatch(/^big\.pth is larger than the import limit of 2,048 bytes/);
    } finally {
      delete process.env.BNLAB_IMPORT_MAX_BYTES;
    }
    expect(stored()).toEqual(before);
    expect(await runCount()).toBe(1);
  });

  it("refuses what is not a checkpoint file by its name, an empty file and a form post", async () => {
    const before = stored();
    const txt = await post({ name: "notes.txt", body: new Uint8Array([1, 2, 3]) });
    expect(txt.status).toBe(400);
    expect(txt.body.error).toMatch(/^notes\.txt: not a checkpoint file/);
    const sneaky = await post({ name: "../x.pth", body: new Uint8Array([1]) });
    expect(sneaky.status).toBe(400);
    expect(sneaky.body.error).toMatch(/not a plain file name/);
    const empty = await post({ name: "empty.pth", body: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/empty\.pth is empty/);
    const form = await post({ name: "plain.pth", body: file("plain.pth"), headers: { "content-type": "multipart/form-data; boundary=x" } });
    expect(form.status).toBe(415);
    expect(stored()).toEqual(before);
  });

  it("refuses a cross-site request, a request from off this machine, and one without the token when there is one", async () => {
    const before = stored();
    const cross = await post({ name: "plain2.pth", body: file("plain.pth"), headers: { origin: "http://evil.example" } });
    expect(cross.status).toBe(403);
    expect(cross.body.error).toMatch(/only from this dashboard's own pages/);
    const remote = await post({ name: "plain2.pth", body: file("plain.pth"), headers: { host: "bnlab.example.org", origin: "http://bnlab.example.org" } });
    expect(remote.status).toBe(403);
    expect(remote.body.error).toMatch(/loopback only/);
    process.env.BNLAB_TOKEN = "a-token-of-enough-length";
    try {
      const noToken = await post({ name: "plain2.pth", body: file("plain.pth") });
      expect(noToken.status).toBe(401);
      const withToken = await post({ name: "plain2.pth", body: file("plain.pth"), headers: { authorization: "Bearer a-token-of-enough-length" } });
      expect(withToken.status, JSON.stringify(withToken.body)).toBe(201);
    } finally {
      delete process.env.BNLAB_TOKEN;
    }
    // Only the token-bearing upload stored anything: its file and its run.
    expect(stored().filter((p) => !before.includes(p)).some((p) => p.endsWith("plain2.pth"))).toBe(true);
    expect(await runCount()).toBe(2);
  });
});
