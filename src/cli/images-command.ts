/**
 * `tskube images`: the command's flags, with its work (src/cli/images.ts: the image store) loaded
 * only when it runs, so that other commands start without the image store's code.
 */
import type { Command } from 'commander';
import type { NodeSelection } from './images.js';

/** registerImagesCommand adds `tskube images` to the CLI. */
export function registerImagesCommand(program: Command): void {
  const run = () => import('./images.js');
  const images = program.command('images').description("manage a node's image store (--runtime oci): import tarballs, list, remove");
  const nodeOptions = (c: Command): Command =>
    c
      .option('--data-dir <dir>', 'the data directory of `tskube up`', '.tskube')
      .option('--node <name>', 'the node whose store to use (default: the first node)')
      .option('--root-dir <dir>', "a node's root directory (as `tskube agent --root-dir`), instead of --data-dir/--node");
  nodeOptions(images.command('import').argument('<file>', 'a `docker save` tarball or an OCI image layout tarball').description('import the images of a tarball').option('--all-nodes', 'import into every node of --data-dir'))
    .action(async (file: string, o: NodeSelection) => {
      for (const line of await (await run()).importImages(file, o)) process.stdout.write(line + '\n');
    });
  nodeOptions(images.command('ls').alias('list').description('list the images in the store').option('-q, --quiet', 'only image ids'))
    .action(async (o: NodeSelection & { quiet?: boolean }) => {
      process.stdout.write((await run()).listImages(o));
    });
  nodeOptions(images.command('rm').alias('rmi').argument('<names...>', 'image names, name:tag, name@digest or ids').description('remove images').option('--all-nodes', 'remove from every node of --data-dir'))
    .action(async (names: string[], o: NodeSelection) => {
      const { out, errors, notes } = await (await run()).removeImages(names, o);
      for (const line of out) process.stdout.write(line + '\n');
      for (const n of notes) process.stderr.write(`note: ${n}\n`);
      for (const e of errors) process.stderr.write(`error: ${e}\n`);
      if (errors.length > 0) process.exitCode = 1;
    });
}
