/** The API's CSV writer, query parsing and error messages (lib/server/csv, api-query, errors), on their own. */
import { describe, expect, it } from "vitest";
import { csvResponse, toCsv } from "../../../lib/server/csv";
import { redactPaths } from "../../../lib/server/errors";
import { AblationQuery, parseQuery, PruningQuery, RunsQuery } from "../../../lib/server/api-query";
import { runsDir } from "../../../lib/paths";

const req = (q: string) => new Request(`http://x/api?${q}`);

describe("toCsv", () => {
  it("writes RFC 4180: header row, CRLF, quoted fields with doubled quotes", () => {
    const rows = [
      { a: "plain", b: 1.5 },
      { a: 'say "hi", then\nleave', b: null },
      { a: "=HYPERLINK(1)", b: -2 },
      { a: "", b: Number.NaN },
    ];
    const text = toCsv([{ header: "a,text", value: (r: (typeof rows)[number]) => r.a }, { header: "b", value: (r) => r.b }], rows);
    expect(text).toBe('"a,text",b\r\nplain,1.5\r\n"say ""hi"", then\nleave",\r\n\'=HYPERLINK(1),-2\r\n,\r\n');
  });

  it("serves text/csv as a download with a safe file name", async () => {
    const res = csvResponse('a"b/../c.csv', "x\r\n");
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8; header=present");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="a_b_.._c.csv"');
    expect(await res.text()).toBe("x\r\n");
  });
});

describe("parseQuery", () => {
  it("applies defaults and converts types", () => {
    expect(parseQuery(RunsQuery, req(""))).toEqual({ page: 1, pageSize: 50, format: "json" });
    expect(parseQuery(AblationQuery, req("threshold=1e-2&count=all&includeShortcut=0&epoch=3"))).toEqual({
      threshold: 0.01,
      count: "all",
      includeShortcut: false,
      epoch: 3,
      mode: "zero",
      format: "json",
    });
    expect(parseQuery(PruningQuery, req("fractions=0.5, 0,0.5")).fractions).toEqual([0, 0.5]);
    // dense where accuracy falls fastest, and ten random masks per point by default
    expect(parseQuery(PruningQuery, req("")).fractions).toEqual([0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(parseQuery(PruningQuery, req("")).seeds).toBe(10);
  });

  it("rejects bad values naming the parameter", () => {
    expect(() => parseQuery(RunsQuery, req("pageSize=0"))).toThrow(/^pageSize: must be ≥ 1 \(got "0"\)$/);
    expect(() => parseQuery(AblationQuery, req("threshold=Infinity"))).toThrow(/^threshold: must be a number/);
    expect(() => parseQuery(AblationQuery, req("threshold=0x10"))).toThrow(/^threshold: must be a number/);
    expect(() => parseQuery(PruningQuery, req(`fractions=${Array(42).fill(0).map((_, i) => i / 100).join(",")}`))).toThrow(/^fractions: at most 41/);
  });

  it("takes the server's folders out of messages", () => {
    expect(redactPaths(`${runsDir()}/r1/ckpt/ep-2.safetensors: truncated`)).toBe("r1/ckpt/ep-2.safetensors: truncated");
  });
});
