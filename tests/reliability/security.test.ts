/**
 * The dashboard's exposure, checked on the built app through `bnlab start`: it listens on
 * loopback unless told otherwise; a network address needs BNLAB_TOKEN, and then every request
 * without it is a 401; without a token a request naming another host is a 403 (DNS rebinding);
 * security headers on every response; only GET and HEAD; no route reads outside the runs root
 * (path tricks in ids, static paths, a symlinked run folder); and `npm audit` where it can run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realPathInside } from "../../lib/paths";
import { checkAccess, hostName, isLoopbackHost, sessionValue } from "../../lib/security";
import { ensureBuild, freePort, launchBrowser, ROOT, type Fixture } from "../e2e/support";
import { report } from "./report";
import { bnlab, smallFixture, waitForHttp, type Child } from "./server";

const tmp = mkdtempSync(path.join(tmpdir(), "bnlab-sec-"));
const TOKEN = "3f9c2a7e5b1d4c8a9e0f6b2d7c4a1e58";
/** A file beside the runs root that no request may ever return. */
const SECRET = "bnlab-secret-marker-7d1f";
let fixture: Fixture;
let env: Record<string, string>;

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request sent as written (fetch would normalise `..` and encoded dots away). */
function raw(port: number, pathname: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: pathname, method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // A server may answer and close before a large body is written: the answer is what counts.
    req.on("error", (e) => ((e as NodeJS.ErrnoException).code === "EPIPE" || (e as NodeJS.ErrnoException).code === "ECONNRESET" ? undefined : reject(e)));
    req.setTimeout(60_000, () => req.destroy(new Error(`${pathname}: no answer in 60 s`)));
    req.end(opts.body);
  });
}

/** Local addresses of the sockets listening on `port` (from /proc/net/tcp and tcp6). */
function listeners(port: number): string[] {
  const out: string[] = [];
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [addr, p] = local.split(":");
      if (p !== hexPort || state !== "0A") continue;
      if (addr.length === 8) out.push(Buffer.from(addr, "hex").reverse().join("."));
      else out.push(addr === "00000000000000000000000001000000" ? "::1" : /^0000000000000000FFFF0000[0-9A-F]{6}7F$/.test(addr) ? "::ffff:127.x" : addr === "0".repeat(32) ? "::" : addr);
    }
  }
  return out;
}

const SECURITY_HEADERS = (h: Raw["headers"]) => {
  const csp = String(h["content-security-policy"] ?? "");
  expect(csp).toMatch(/default-src 'self'/);
  expect(csp).toMatch(/frame-ancestors 'none'/);
  expect(csp).toMatch(/object-src 'none'/);
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["referrer-policy"]).toBe("no-referrer");
  expect(h["x-powered-by"]).toBeUndefined();
};

beforeAll(async () => {
  fixture = await smallFixture(tmp);
  writeFileSync(path.join(tmp, "secret.txt"), SECRET);
  ensureBuild();
  env = { DATABASE_URL: `file:${fixture.dbFile}`, BNLAB_RUNS_DIR: fixture.runsDir, BNLAB_DATA_DIR: tmp, BNLAB_TOKEN: "", HOST: "", PORT: "" };
}, 400_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("access rules (lib/security)", () => {
  it("tells loopback hosts from others", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "app.localhost"]) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ["0.0.0.0", "::", "192.168.1.10", "example.com", "127.0.0.1.example.com", "localhost.example.com", "128.0.0.1", ""]) expect(isLoopbackHost(h)).toBe(false);
    expect(hostName("127.0.0.1:3000")).toBe("127.0.0.1");
    expect(hostName("[::1]:3000")).toBe("[::1]");
    expect(hostName("evil.example:80")).toBe("evil.example");
    expect(hostName("a:b:c")).toBe("");
  });

  it("demands the token when one is set, and a loopback Host when none is", () => {
    const url = new URL("http://h/runs/x?sort=id");
    const base = { url, host: "127.0.0.1:1", authorization: null, cookie: undefined };
    expect(checkAccess(base, undefined)).toEqual({ ok: true });
    expect(checkAccess({ ...base, host: "evil.example" }, undefined)).toMatchObject({ ok: false, status: 403 });
    expect(checkAccess({ ...base, host: null }, "")).toMatchObject({ ok: false, status: 403 });
    expect(checkAccess(base, TOKEN)).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess({ ...base, authorization: `Bearer ${TOKEN}` }, TOKEN)).toEqual({ ok: true });
    expect(checkAccess({ ...base, authorization: `Bearer ${TOKEN}x` }, TOKEN)).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess({ ...base, authorization: TOKEN }, TOKEN)).toMatchObject({ ok: false, status: 401 });
    expect(checkAccess({ ...base, cookie: sessionValue(TOKEN) }, TOKEN)).toEqual({ ok: true });
    // The cookie is not the token, and a cookie made for another token does not pass.
    expect(checkAccess({ ...base, cookie: TOKEN }, TOKEN)).toMatchObject({ ok: false });
    expect(checkAccess({ ...base, cookie: sessionValue(`${TOKEN}x`) }, TOKEN)).toMatchObject({ ok: false });
    const once = checkAccess({ ...base, url: new URL(`http://h/runs/x?sort=id&token=${TOKEN}`) }, TOKEN);
    expect(once).toEqual({ ok: true, redirect: "/runs/x?sort=id", setCookie: `bnlab_session=${sessionValue(TOKEN)}; Path=/; HttpOnly; SameSite=Strict` });
  });
});

describe("real paths (lib/paths)", () => {
  it("accepts files under the runs root, a linked root included, and nothing a link leads out to", async () => {
    const base = mkdtempSync(path.join(tmpdir(), "bnlab-real-"));
    try {
      for (const d of ["root/run-a", "elsewhere/run-b"]) mkdirSync(path.join(base, d), { recursive: true });
      for (const f of ["root/run-a/f", "elsewhere/run-b/f", "secret"]) writeFileSync(path.join(base, f), "x");
      symlinkSync(path.join(base, "elsewhere", "run-b"), path.join(base, "root", "run-b"));
      symlinkSync(path.join(base, "secret"), path.join(base, "root", "run-a", "g"));
      symlinkSync(path.join(base, "root"), path.join(base, "root-link"));
      const root = path.join(base, "root");
      expect(await realPathInside(root, path.join(root, "run-a", "f"))).toBe(path.join(base, "root", "run-a", "f"));
      expect(await realPathInside(path.join(base, "root-link"), path.join(base, "root-link", "run-a", "f"))).toBe(path.join(base, "root", "run-a", "f"));
      expect(await realPathInside(root, path.join(root, "run-b", "f"))).toBeNull();
      expect(await realPathInside(root, path.join(root, "run-a", "g"))).toBeNull();
      expect(await realPathInside(root, path.join(root, "..", "secret"))).toBeNull();
      expect(await realPathInside(root, root)).toBeNull();
      expect(await realPathInside(root, path.join(root, "missing"))).toBeNull();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe("bnlab start", () => {
  let server: Child;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    server = bnlab(["start", "--no-train", "--port", String(port)], env);
    await waitForHttp(`http://127.0.0.1:${port}/api/runs?pageSize=1`, server);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  it("listens on loopback only by default", () => {
    const addrs = listeners(port);
    expect(addrs.length).toBeGreaterThan(0);
    for (const a of addrs) expect(a === "::1" || a === "::ffff:127.x" || a.startsWith("127.")).toBe(true);
    report("default listening addresses", addrs.join(", "));
  });

  it("answers a loopback Host and refuses any other (DNS rebinding) with a 403", async () => {
    const ok = await raw(port, "/api/runs?pageSize=1", { headers: { host: `localhost:${port}` } });
    expect(ok.status).toBe(200);
    for (const host of ["evil.example", `evil.example:${port}`, "192.168.0.1"]) {
      for (const p of ["/", "/api/runs", `/runs/${fixture.ids.bn}`]) {
        const r = await raw(port, p, { headers: { host } });
        expect(r.status, `${host} ${p}`).toBe(403);
        expect(r.body).toMatch(/loopback only/);
        SECURITY_HEADERS(r.headers);
      }
    }
  });

  it("sets the security headers on pages, API answers, errors and static files", async () => {
    const page = await raw(port, "/");
    expect(page.status).toBe(200);
    const chunk = /\/_next\/static\/[^"']+\.js/.exec(page.body)?.[0];
    expect(chunk).toBeTruthy();
    for (const p of ["/", `/runs/${fixture.ids.bn}`, `/runs/${fixture.ids.bn}/prune`, "/api/runs", `/api/runs/${fixture.ids.bn}/gamma`, "/api/runs/no-such-run", "/no-such-page", chunk!]) {
      const r = await raw(port, p);
      expect(r.status, p).toBeLessThan(500);
      SECURITY_HEADERS(r.headers);
    }
  });

  it("keeps the app working in a browser under its Content-Security-Policy", async () => {
    const browser = await launchBrowser();
    try {
      const problems: string[] = [];
      for (const p of ["/", `/runs/${fixture.ids.bn}`, `/runs/${fixture.ids.bn}/prune`, "/compare/depth-width"]) {
        // A fresh context per page: the toggle below remembers its choice in localStorage.
        const context = await browser.newContext({ colorScheme: "dark" });
        const page = await context.newPage();
        page.on("console", (m) => (m.type() === "error" && /Content.Security.Policy|Refused to/i.test(m.text()) ? problems.push(`${p}: ${m.text()}`) : undefined));
        page.on("pageerror", (e) => problems.push(`${p}: ${e.message}`));
        await page.goto(`http://127.0.0.1:${port}${p}`, { waitUntil: "networkidle" });
        // The inline theme script ran (the server renders "light"; the browser prefers dark)…
        expect(await page.evaluate(() => document.documentElement.dataset.theme), p).toBe("dark");
        // …and the bundles hydrated: the toggle's handler works.
        await page.getByTestId("theme-toggle").click();
        await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
        await context.close();
      }
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it("reads nothing outside the runs root, whatever the path", async () => {
    const bn = fixture.ids.bn;
    const secretAbs = path.join(tmp, "secret.txt");
    const ids = ["..", "%2e%2e", "%2E%2E", "..%2f..%2fsecret.txt", "%2e%2e%2f%2e%2e%2fsecret.txt", "%252e%252e%252fsecret.txt", `${bn}%2f..%2f..%2fsecret.txt`, encodeURIComponent(secretAbs), "%2fetc%2fpasswd", "....%2f%2f", "..%5c..%5csecret.txt"];
    const routes = ["/api/runs/ID", "/api/runs/ID/gamma", "/api/runs/ID/ablation", "/api/runs/ID/metrics", "/api/runs/ID/pruned", "/api/runs/ID/mask", "/runs/ID", "/runs/ID/prune"];
    let tried = 0;
    for (const id of ids) {
      for (const route of routes) {
        const r = await raw(port, route.replace("ID", id));
        tried++;
        // No API route answers for such an id (a bare `..` segment is redirected to the
        // normalised path); a page path may be normalised to another page (`/runs/..` is `/`),
        // which is fine so long as nothing outside the roots is read.
        if (route.startsWith("/api/")) expect(r.status, `${route} ${id}`).toBeGreaterThanOrEqual(300);
        expect(r.status, `${route} ${id}`).toBeLessThan(500);
        expect(r.body).not.toContain(SECRET);
        expect(r.body).not.toContain("root:x:0:0");
        expect(r.body).not.toContain(tmp);
      }
    }
    // Static files: Next serves .next/static and public/ only.
    for (const p of ["/_next/static/..%2f..%2fpackage.json", "/_next/static/../../package.json", "/%2e%2e/package.json", "/..%2fpackage.json", "/_next/static/%2e%2e/%2e%2e/next.config.ts", "/icon.svg/..%2f..%2fpackage.json"]) {
      const r = await raw(port, p);
      tried++;
      expect(r.body, p).not.toContain('"name": "bnlab"');
      expect(r.body, p).not.toContain("serverExternalPackages");
    }
    report("path tricks tried against the server", tried);
  });

  it("takes no request body: anything but GET and HEAD is a 405, even a large upload", async () => {
    const big = Buffer.alloc(20 * 2 ** 20, 0x61);
    for (const [method, p, body] of [
      ["POST", "/api/runs", big],
      ["POST", "/", Buffer.from("x=1")],
      ["PUT", `/api/runs/${fixture.ids.bn}`, Buffer.from("{}")],
      ["DELETE", `/api/runs/${fixture.ids.bn}`, undefined],
      ["PATCH", "/api/runs", Buffer.from("{}")],
    ] as const) {
      const r = await raw(port, p, { method, body, headers: body ? { "content-type": "application/octet-stream", "content-length": String(body.length) } : {} });
      expect(r.status, `${method} ${p}`).toBe(405);
      expect(r.headers.allow).toBe("GET, HEAD");
      // The refusal names the one route that does take a body.
      expect(r.body).toContain("POST /api/import");
      SECURITY_HEADERS(r.headers);
    }
    expect((await raw(port, "/api/runs?pageSize=1", { method: "HEAD" })).status).toBe(200);
    // Still serving after the upload attempt.
    expect((await raw(port, "/api/runs?pageSize=1")).status).toBe(200);
  });

  it("refuses a checkpoint that a symlinked run folder places outside the runs root", async () => {
    const id = fixture.ids.all;
    const before = await raw(port, `/api/runs/${id}/gamma`);
    expect(before.status).toBe(200);
    // Same files, same hashes, same indexed path: only the run folder now lives elsewhere.
    mkdirSync(path.join(tmp, "outside"));
    renameSync(path.join(fixture.runsDir, id), path.join(tmp, "outside", id));
    symlinkSync(path.join(tmp, "outside", id), path.join(fixture.runsDir, id), "dir");
    for (const p of [`/api/runs/${id}/gamma?t=0.02`, `/api/runs/${id}/ablation?threshold=0.123`, `/api/runs/${id}/pruned?threshold=0.05`, `/api/runs/${id}/mask?threshold=0.05`, `/api/runs/${id}/pruning-curve?fractions=0,0.5&seeds=1`]) {
      const r = await raw(port, p);
      expect(r.status, p).toBe(403);
      expect(r.body).toMatch(/outside this server's runs root/);
      expect(r.body).not.toContain(tmp);
    }
    expect(server.output()).toMatch(/resolves outside the runs root through a symlink/);
    // The run itself (its index row) is still listed; only its files are not read.
    expect((await raw(port, `/api/runs/${id}`)).status).toBe(200);
  });
});

describe("bnlab start on a network address", () => {
  it("refuses without BNLAB_TOKEN, or with a short one, before doing anything", async () => {
    const port = await freePort();
    for (const [token, message] of [
      ["", /refusing to serve on 0\.0\.0\.0 without a token: set BNLAB_TOKEN/],
      ["short", /BNLAB_TOKEN is too short \(5 characters\)/],
    ] as const) {
      const c = bnlab(["start", "--no-train", "--host", "0.0.0.0", "--port", String(port)], { ...env, BNLAB_TOKEN: token });
      const code = await Promise.race([c.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 60_000))]);
      await c.stop();
      expect(code).not.toBe(0);
      expect(code).not.toBe("hung");
      expect(c.output()).toMatch(message);
      expect(listeners(port)).toEqual([]);
    }
  }, 130_000);

  describe("with BNLAB_TOKEN", () => {
    let server: Child;
    let port: number;
    let url: string;

    beforeAll(async () => {
      port = await freePort();
      server = bnlab(["start", "--no-train", "--host", "0.0.0.0", "--port", String(port)], { ...env, BNLAB_TOKEN: TOKEN });
      url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/api/runs`, server);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
    });

    it("listens on the address it was given", () => {
      expect(listeners(port)).toContain("0.0.0.0");
    });

    it("answers 401 to every request without the token: pages, API, static files", async () => {
      const authed = await raw(port, "/", { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(authed.status).toBe(200);
      const chunk = /\/_next\/static\/[^"']+\.js/.exec(authed.body)![0];
      const paths = ["/", "/findings", `/runs/${fixture.ids.bn}`, `/runs/${fixture.ids.bn}/prune`, "/compare/depth-width", "/api/runs", `/api/runs/${fixture.ids.bn}`, `/api/runs/${fixture.ids.bn}/gamma`, `/api/runs/${fixture.ids.bn}/ablation`, "/api/depth-width", "/no-such-page", chunk, "/icon.svg"];
      const wrong: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN.slice(0, -1)}0` }, { authorization: `Bearer ${TOKEN}${TOKEN}` }, { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` }, { cookie: `bnlab_session=${TOKEN}` }];
      let refused = 0;
      for (const p of paths) {
        for (const headers of wrong) {
          const r = await raw(port, p, { headers });
          expect(r.status, `${p} ${JSON.stringify(headers)}`).toBe(401);
          expect(r.headers["www-authenticate"]).toBe('Bearer realm="bnlab"');
          expect(r.body).toMatch(/needs its token/);
          expect(r.body).not.toContain(TOKEN);
          SECURITY_HEADERS(r.headers);
          refused++;
        }
        const ok = await raw(port, p, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(ok.status, p).not.toBe(401);
        expect(ok.status, p).toBeLessThan(500);
      }
      expect((await raw(port, `/?token=${TOKEN}x`)).status).toBe(401);
      report("requests without a valid token refused (401)", refused);
    });

    it("?token= once sets an HttpOnly SameSite=Strict cookie and drops the token from the URL", async () => {
      const r = await raw(port, `/runs/${fixture.ids.bn}?token=${TOKEN}&tab=x`);
      expect(r.status).toBe(303);
      // Next sends a same-origin Location relative.
      const location = new URL(String(r.headers.location), `http://127.0.0.1:${port}`);
      expect(location.pathname + location.search).toBe(`/runs/${fixture.ids.bn}?tab=x`);
      const cookie = String(r.headers["set-cookie"]);
      expect(cookie).toMatch(/^bnlab_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict$/);
      expect(cookie).not.toContain(TOKEN);
      const session = cookie.split(";")[0];
      for (const p of ["/", `/runs/${fixture.ids.bn}`, "/api/runs"]) expect((await raw(port, p, { headers: { cookie: session } })).status, p).toBe(200);
    });
  });
});

describe("npm audit", () => {
  it("finds no high or critical advisory in the production dependencies (when the audit endpoint answers)", (ctx) => {
    const r = spawnSync("npm", ["audit", "--omit=dev", "--audit-level=high", "--json"], { cwd: ROOT, encoding: "utf8", timeout: 90_000 });
    let out: { message?: string; statusCode?: number; metadata?: { vulnerabilities?: Record<string, number> } } = {};
    try {
      out = JSON.parse(r.stdout) as typeof out;
    } catch {
      out = { message: (r.stdout + r.stderr).slice(0, 300) || String(r.error) };
    }
    const counts = out.metadata?.vulnerabilities;
    if (!counts) {
      // Not a pass: the registry's audit endpoint could not be asked (offline, or a mirror that
      // does not implement it, as here: 405). Shown as skipped with the reason.
      const why = `NOT RUN — the audit endpoint did not answer: ${out.message ?? `exit ${r.status}`}`;
      report("npm audit --omit=dev --audit-level=high", why);
      ctx.skip(why);
      return;
    }
    report("npm audit (production dependencies)", JSON.stringify(counts));
    expect({ high: counts.high ?? 0, critical: counts.critical ?? 0 }).toEqual({ high: 0, critical: 0 });
  }, 100_000);
});
