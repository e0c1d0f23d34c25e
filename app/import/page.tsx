/**
 * Import a network trained elsewhere: a .pt/.pth/.safetensors file is uploaded to POST
 * /api/import, imported as `bnlab import` would, and the page moves on to the new run.
 */
import type { Metadata } from "next";
import { DATASET_NAMES } from "../../lib/data/registry";
import { UPLOAD_EXTENSIONS, uploadLimit } from "../../lib/server/import-upload";
import { ImportForm } from "../_components/import-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Import" };

export default function ImportPage() {
  return (
    <div className="flex max-w-3xl flex-col gap-4">
      <h1 className="text-2xl font-semibold">Import a trained network</h1>
      <p className="text-sm text-muted">
        A PyTorch checkpoint (<code>torch.save(model.state_dict(), …)</code> since PyTorch 1.6, or a dict holding it under <code>state_dict</code>, <code>model</code>, <code>model_state_dict</code> or <code>net</code>) or a safetensors file. Its BN layers are found from their tensors and shown at once; bnlab&apos;s own ResNets (open_lth&apos;s <code>cifar_resnet_D_W</code>) can also be pruned and re-evaluated when the dataset they were trained on is named and present. The file is read as data only: a pickle that names anything but tensors and plain containers is refused. An open_lth run folder is imported with <code>npx bnlab import</code>.
      </p>
      <ImportForm extensions={[...UPLOAD_EXTENSIONS]} limitBytes={uploadLimit()} datasets={[...DATASET_NAMES]} />
    </div>
  );
}
