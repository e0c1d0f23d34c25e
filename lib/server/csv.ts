/**
 * CSV as RFC 4180 has it: a header row, CRLF line ends, and a field quoted (its quotes doubled)
 * when it holds a comma, a quote, CR or LF. Numbers are written in full precision, null, undefined
 * and non-finite numbers as empty fields, dates as ISO 8601. A text field that a spreadsheet
 * would run as a formula (starting with =, +, -, @, tab or CR) gets a leading apostrophe.
 */
import type { FigureTable } from "../charts";

export type CsvValue = string | number | boolean | bigint | Date | null | undefined;

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvValue;
}

function cell(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  let s = v instanceof Date ? v.toISOString() : v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T>(columns: readonly CsvColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => cell(c.header)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(c.value(row))).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** A CSV download; `name` is the file name offered (letters, digits and ._+- only). */
export function csvResponse(name: string, csv: string, headers: Record<string, string> = {}): Response {
  const safe = name.replace(/[^A-Za-z0-9._+-]/g, "_");
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="${safe}"`,
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/** RFC 4180 CSV of a figure table (the numbers a figure draws). */
export function tableCsv(table: FigureTable): string {
  const columns: CsvColumn<(string | number)[]>[] = table.columns.map((header, i) => ({ header, value: (row) => row[i] }));
  return toCsv(columns, table.rows);
}
