/**
 * Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF line ends) into rows, so tests read
 * bnlab's CSV exports the way a spreadsheet would. With `requireFinalCrlf`, text that does not
 * end with a complete CRLF-terminated row is an error (the API's CSV always ends so).
 */
export function parseCsv(text: string, opts: { requireFinalCrlf?: boolean } = {}): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") endField();
    else if (c === "\r" && text[i + 1] === "\n") {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else field += c;
  }
  if (field !== "" || row.length) {
    if (opts.requireFinalCrlf) throw new Error(`CSV does not end with CRLF after its last row (trailing ${JSON.stringify(row.concat(field))})`);
    endField();
    rows.push(row);
  }
  return rows;
}
