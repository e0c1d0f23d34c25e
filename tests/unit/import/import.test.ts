/**
 * forwardProblem: why bnlab cannot evaluate an imported network, said in words the run page shows —
 * for every family the model builder runs, a network whose input channels or classes do not fit
 * the named dataset is refused naming both, and a network whose tensors were changed is not run
 * as the standard one.
 */
import { describe, expect, it } from "vitest";
import { forwardProblem } from "../../../lib/import/import";
import { initialStateDict } from "../../../lib/models/init";
import type { Architecture } from "../../../lib/models/recognise";
import { torchvisionVggSpec } from "../../../lib/models/torchvision-vgg";

const tvVgg = (inChannels: number, classes: number): Architecture => ({ family: "torchvision_vgg_bn", depth: 11, inChannels, classes, hidden: 8 });

describe("forwardProblem", () => {
  it.each<[Architecture, string, RegExp]>([
    [{ family: "cifar_vgg", depth: 11, inChannels: 3, classes: 10 }, "fashion-mnist", /the network takes 3 channels and has 10 classes; fashion-mnist has 1 and 10/],
    [{ family: "cifar_vgg", depth: 16, inChannels: 1, classes: 100 }, "mnist", /the network takes 1 channels and has 100 classes; mnist has 1 and 10/],
    [tvVgg(1, 10), "cifar10", /the network takes 1 channels and has 10 classes; cifar10 has 3 and 10/],
    [{ family: "torchvision_vgg_bn", depth: 16, inChannels: 3, classes: 1000, hidden: 4096 }, "cifar10", /takes 3 channels and has 1000 classes; cifar10 has 3 and 10/],
    [{ family: "torchvision_resnet", depth: 18, inChannels: 3, classes: 1000 }, "fashion-mnist", /takes 3 channels and has 1000 classes; fashion-mnist has 1 and 10/],
  ])("%o on %s: the mismatch named", (arch, dataset, message) => {
    expect(forwardProblem(arch, dataset)).toMatch(message);
  });

  it("keeps saying which architectures bnlab does not run, and asks for a dataset", () => {
    expect(forwardProblem({ family: "mobilenet_v2", classes: 10 }, "cifar10")).toBe("bnlab does not run mobilenet_v2 yet");
    expect(forwardProblem({ family: "unknown" }, "cifar10")).toBe("unknown architecture");
    expect(forwardProblem(tvVgg(1, 10), null)).toMatch(/no dataset named/);
  });

  it("does not run a VGG-BN whose tensors differ from the standard network's", () => {
    const sd = initialStateDict(torchvisionVggSpec({ depth: 11, inChannels: 1, classes: 10, hidden: 8 }), { seed: 1, bnInit: "fixed" });
    // null, or "no local fashion-mnist" where the dataset is not installed: the tensors are not the problem.
    expect(forwardProblem(tvVgg(1, 10), "fashion-mnist", undefined, sd) ?? "").not.toMatch(/tensors differ/);
    sd.set("classifier.3.weight", { dtype: "float32", shape: [9, 8], data: new Float32Array(72) });
    expect(forwardProblem(tvVgg(1, 10), "fashion-mnist", undefined, sd)).toMatch(/its tensors differ from vgg11_bn's .*classifier\.3\.weight has shape \[9,8\], expected \[8,8\]/);
  });
});
