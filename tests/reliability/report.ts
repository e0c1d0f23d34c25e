/**
 * The reliability suite's figures (cases tried, crash points survived, latencies, memory):
 * each is printed as one line so a CI log shows them together (grep "[reliability]").
 */
export function report(figure: string, value: string | number): void {
  console.log(`[reliability] ${figure}: ${value}`);
}
