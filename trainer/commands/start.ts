import { archCommand } from "./arch";
import { dataCommand } from "./data";
import type { Command } from "./command";

const help = `usage: bnlab start

The main job. For now: shows the model family and the datasets on this machine.`;

export const startCommand: Command = {
  name: "start",
  help,
  async run() {
    for (const depth of [20, 56, 110]) await archCommand.run([`resnet-${depth}`]);
    console.log("");
    await dataCommand.run(["list"]);
  },
};
