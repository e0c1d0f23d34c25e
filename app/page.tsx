export default function Home() {
  return (
    <main>
      <h1>bnlab</h1>
      <p>What can a CNN learn when only BatchNorm&apos;s γ and β are trained? Train runs with `npx bnlab train`.</p>
    </main>
  );
}
