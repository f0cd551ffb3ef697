import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { BACKEND_CHOICES, type BackendChoice } from '@gankit/backend';
import { GanError } from '@gankit/core';
import { listPresets, MAX_SAMPLES } from '@gankit/families';
import { listZooModels, zooModelDir } from '@gankit/zoo';
import { Command, CommanderError, InvalidArgumentError, type Option } from 'commander';
import { configCommand, schemaCommand } from './commands/config.js';
import { evalCommand, statsCommand } from './commands/evaluate.js';
import { infoCommand } from './commands/info.js';
import { presetsCommand } from './commands/presets.js';
import { compareCommand, reportCommand } from './commands/report.js';
import { resumeCommand } from './commands/resume.js';
import { sampleCommand } from './commands/sample.js';
import { registerSweepCommands } from './commands/sweep.js';
import { trainRun } from './commands/train.js';
import { translateCommand } from './commands/translate.js';
import { upscaleCommand } from './commands/upscale.js';
import { BACKEND_HELP, backend, examples, int, loadPlugins, PLUGIN_HELP, THREADS_HELP } from './options.js';
import { terminalProgress, wantsProgressBar } from './terminal-progress.js';

/**
 * The version of @gankit/cli: its package.json sits one folder above this module, both in
 * src/ and in the built dist/ (where tsup's CJS shim supplies import.meta.url).
 */
function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

/** The signal that stopped a program's training run, for {@link runCli}'s exit code. */
const interruptions = new WeakMap<Command, string>();

/** The folder `--run DIR` or `--model NAME` points at (a zoo model is laid out as a run). */
function runOrModel(cmd: Command, run: string | undefined, model: string | undefined): string {
  if ((run === undefined) === (model === undefined)) {
    cmd.error('error: give either --run <dir> or --model <name>', {
      code: 'commander.missingMandatoryOptionValue',
    });
  }
  return run ?? zooModelDir(model!);
}

const optionNames = (cmd: Command) => cmd.options.map((o: Option) => o.long ?? o.short).join(', ');

/**
 * Builds the `gankit` command-line program.
 * @param output - where normal output goes (default: stdout, with a progress bar while training
 * when stdout is a terminal)
 * @returns the commander program (call `parseAsync`)
 */
export function createProgram(output?: (line: string) => void): Command {
  const bar = output === undefined && wantsProgressBar() ? terminalProgress(process.stdout) : undefined;
  const log = output ?? bar?.log ?? ((l: string) => console.log(l));
  const onProgress = bar ? { onProgress: bar.update.bind(bar) } : {};
  const program = new Command('gankit')
    .description('Train, resume and sample Generative Adversarial Networks on TensorFlow.js')
    .version(cliVersion(), '-V, --version', 'print the version of gankit')
    .showSuggestionAfterError(true)
    .exitOverride();

  const presetHelp = () =>
    `${listPresets()
      .map((p) => p.name)
      .join(', ')}, or one a plugin defines`;
  const checkPreset = (cmd: Command, preset: string) => {
    const presets = listPresets().map((p) => p.name);
    if (!presets.includes(preset)) {
      cmd.error(`error: unknown preset '${preset}'; valid presets: ${presets.join(', ')}`, {
        code: 'commander.invalidArgument',
      });
    }
  };

  const train = program
    .command('train')
    .description(
      'train a preset or a config file into a run folder (sample grids, checkpoints, the final generator)',
    )
    .option('--preset <name>', `preset to train (${presetHelp()})`)
    .option('--config <file>', "config file to train (YAML or JSON, as 'gankit config' writes)")
    .option('--steps <n>', 'training steps', int(1))
    .option('--batch-size <n>', 'images per batch', int(1))
    .option('--seed <n>', 'seed of initialisation, data order and latents', int(0))
    .option('--backend <name>', BACKEND_HELP, backend)
    .option('--data <dir>', "dataset folder, or 'bundled' for the subset shipped with gankit")
    .option('--out <dir>', 'run folder (default runs/<preset>)')
    .option(
      '--set <path=value...>',
      "override a config value, e.g. --set latent.latentWeight=0 (see the run's config.json for paths)",
    )
    .option('--threads <n>', THREADS_HELP, int(1))
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async ({ plugin, ...opts }) => {
      await loadPlugins(plugin);
      if ((opts.preset === undefined) === (opts.config === undefined)) {
        train.error('error: give either --preset <name> or --config <file>', {
          code: 'commander.missingMandatoryOptionValue',
        });
      }
      if (opts.preset !== undefined) checkPreset(train, opts.preset);
      const result = await trainRun({ ...opts, ...onProgress }, log).finally(() => bar?.end());
      if (result.interruptedBy) interruptions.set(program, result.interruptedBy);
    })
    .addHelpText(
      'after',
      examples(
        'gankit train --preset dcgan-fashion                 # bundled data, into runs/dcgan-fashion',
        'gankit train --preset lsrgan-x4 --set data.scale=2 --set latent.latentWeight=0',
        'gankit train --config my-recipe.yaml --steps 2000 --seed 1 --out runs/seed1',
      ),
    );

  const config = program
    .command('config')
    .description("write a preset's config as a YAML or JSON file to edit and train with --config")
    .requiredOption('--preset <name>', `preset to start from (${presetHelp()})`)
    .option('--format <format>', 'yaml or json (default: from --out, else yaml)', (v: string) => {
      if (v !== 'yaml' && v !== 'json') throw new InvalidArgumentError(`expected yaml or json, got '${v}'`);
      return v;
    })
    .option('--out <file>', 'file to write (default: print it)')
    .option('--steps <n>', 'training steps', int(1))
    .option('--batch-size <n>', 'images per batch', int(1))
    .option('--seed <n>', 'seed of initialisation, data order and latents', int(0))
    .option('--backend <name>', BACKEND_HELP, backend)
    .option('--data <dir>', "dataset folder, or 'bundled' for the subset shipped with gankit")
    .option('--set <path=value...>', 'override a config value, e.g. --set training.steps=500')
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async ({ plugin, ...opts }) => {
      await loadPlugins(plugin);
      checkPreset(config, opts.preset);
      await configCommand(opts, log);
    })
    .addHelpText(
      'after',
      examples(
        'gankit config --preset srgan-x4 > my.yaml          # then: gankit train --config my.yaml',
        'gankit config --preset dcgan-fashion --set training.steps=8000 --out recipes/long.json',
      ),
    );

  const schema = program
    .command('schema')
    .description("print a family's config schema as JSON Schema (for editors and other tools)")
    .argument('<family>', 'family name (see gankit presets)')
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (family: string, { plugin }) => {
      await loadPlugins(plugin);
      schemaCommand(family, log);
    });

  const resume = program
    .command('resume')
    .description('continue a run from its latest checkpoint')
    .argument('<runDir>', 'run folder')
    .option('--steps <n>', 'train N more steps (default: up to the step count in its config)', int(1))
    .option('--threads <n>', THREADS_HELP, int(1))
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (runDir: string, { plugin, ...opts }) => {
      await loadPlugins(plugin);
      const result = await resumeCommand(runDir, { ...opts, ...onProgress }, log).finally(() => bar?.end());
      if (result?.interruptedBy) interruptions.set(program, result.interruptedBy);
    })
    .addHelpText(
      'after',
      examples(
        'gankit resume runs/dcgan-fashion                    # up to the step count in its config',
        'gankit resume runs/dcgan-fashion --steps 1000       # 1000 steps more',
      ),
    );

  const sample = program
    .command('sample')
    .description("write a grid of samples (a scatter plot for 2-D data) from a run's generator")
    .option('--run <dir>', 'run folder')
    .option(
      '--model <name>',
      `a pretrained zoo model instead of a run (${listZooModels('sampler').join(', ') || 'none installed'})`,
    )
    .option(
      '--n <count>',
      'number of samples (default 64; text-to-image: per caption, default 8; with --interpolate: rows)',
      int(1, MAX_SAMPLES),
    )
    .option('--seed <n>', 'seed of the latent batch', int(0), 0)
    .requiredOption('--out <file>', 'PNG to write')
    .option('--class <k>', 'class-conditional runs: only class K (default: one row per class)', int(0))
    .option(
      '--from-level <k>',
      'coarse-to-fine runs (lapgan): per row one coarse start (levels below K), then 8 refinements redrawn from level K up',
      int(1),
    )
    .option(
      '--text <caption>',
      'text-to-image runs: a row of samples for this caption (repeat for more rows)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--interpolate <captions...>',
      'text-to-image runs: two captions; each row walks from the first to the second in 8 steps',
    )
    .option(
      '--style-from <image>',
      "text-to-image runs with a style encoder: keep this image's pose and background, draw each --text",
    )
    .option('--threads <n>', THREADS_HELP, int(1))
    .option('--backend <name>', BACKEND_HELP, backend, 'auto' as BackendChoice)
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async ({ plugin, model, interpolate, ...opts }) => {
      if (interpolate !== undefined && interpolate.length !== 2) {
        sample.error(
          `error: --interpolate takes two captions, got ${interpolate.length}: ${interpolate.map((t: string) => JSON.stringify(t)).join(' ')}`,
        );
      }
      await loadPlugins(plugin);
      await sampleCommand(
        { ...opts, ...(interpolate ? { interpolate } : {}), run: runOrModel(sample, opts.run, model) },
        log,
      );
    })
    .addHelpText(
      'after',
      examples(
        'gankit sample --run runs/dcgan-fashion --n 16 --seed 1 --out grid.png',
        'gankit sample --run runs/cgan-fashion --class 3 --n 16 --out dresses.png',
        'gankit sample --run runs/ganintcls-fashion --text "a red dress" --text "a blue sneaker" --n 8 --out captions.png',
      ),
    );

  const upscale = program
    .command('upscale')
    .description("super-resolve a PNG or JPEG with a run's generator, tile by tile (writes a PNG)")
    .argument('<image>', 'input image (PNG or JPEG; alpha is kept)')
    .option('--run <dir>', 'run folder of a super-resolution preset')
    .option(
      '--model <name>',
      `a pretrained zoo upscaler instead of a run (${listZooModels('upscaler').join(', ') || 'none installed'})`,
    )
    .option('--out <file>', 'PNG to write (default <image>.x<scale>.png beside the input)')
    .option('--tile <px>', 'tile side in input pixels', int(8), 128)
    .option('--overlap <px>', 'context around each tile, cut from its output', int(0), 24)
    .option('--backend <name>', BACKEND_HELP, backend, 'auto' as BackendChoice)
    .option('--threads <n>', THREADS_HELP, int(1))
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (image: string, { plugin, model, ...opts }) => {
      await loadPlugins(plugin);
      await upscaleCommand(image, { ...opts, run: runOrModel(upscale, opts.run, model) }, log);
    })
    .addHelpText(
      'after',
      examples(
        'gankit upscale photo.jpg --run runs/srresnet-x4      # writes photo.x4.png',
        'gankit upscale photo.jpg --run runs/srgan-x4 --out big.png --tile 64 --overlap 16',
      ),
    );

  program
    .command('translate')
    .description(
      "translate between a two-domain run's domains (CycleGAN): images to one PNG each, speech (cyclegan-voice) to one WAV each",
    )
    .argument(
      '<inputs...>',
      "images (any size: fitted into the model's frame) or WAV files (any rate and channel count: converted and back)",
    )
    .requiredOption('--run <dir>', 'run folder of a two-domain preset (cyclegan-...)')
    .option(
      '--direction <a2b|b2a>',
      "a2b: the run's generator (domain A to B); b2a: the reverse one",
      (value: string) => {
        if (value !== 'a2b' && value !== 'b2a') {
          throw new InvalidArgumentError(`expected a2b or b2a, got '${value}'`);
        }
        return value;
      },
      'a2b',
    )
    .option(
      '--out <path>',
      'folder to write <name>.<direction>.png (or .wav) into; for one WAV input, the output file (converted.wav)',
      '.',
    )
    .option('--backend <name>', BACKEND_HELP, backend, 'auto' as BackendChoice)
    .option('--threads <n>', THREADS_HELP, int(1))
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (images: string[], { plugin, ...opts }) => {
      await loadPlugins(plugin);
      await translateCommand(images, opts, log);
    })
    .addHelpText(
      'after',
      examples(
        'gankit translate sneaker.png --run runs/cyclegan-sneakers-boots --out translated',
        'gankit translate boot1.png boot2.png --run runs/cyclegan-sneakers-boots --direction b2a --out translated',
        'gankit translate speech.wav --run runs/cyclegan-voice --out converted.wav',
      ),
    );

  const evaluate = program
    .command('eval')
    .description(
      "score a run: FID, KID, precision/recall of image runs (Fashion-MNIST classifier features, or --features); PSNR/SSIM against bicubic of super-resolution runs (default photos: scikit-image's)",
    )
    .argument('<runDir>', 'run folder')
    .argument(
      '[images...]',
      'super-resolution runs: evaluation images (default: scikit-image sample photos, apt-get install python3-skimage)',
    )
    .option('--n <count>', 'image runs: generated samples to score (default 10000)', int(2))
    .option('--seed <n>', 'image runs: seed of the generated latents (default 1)', int(0))
    .option('--stats <file>', "image runs: reference statistics written by 'gankit stats'")
    .option(
      '--features <spec>',
      "image runs: feature network, 'fashion' (the shipped classifier) or 'inception:DIR' (a converted InceptionV3)",
    )
    .option('--backend <name>', BACKEND_HELP, backend, 'auto' as BackendChoice)
    .option('--threads <n>', THREADS_HELP, int(1))
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async (runDir: string, images: string[], { plugin, ...opts }) => {
      await loadPlugins(plugin);
      await evalCommand(runDir, { ...opts, ...(images.length ? { images } : {}) }, log);
    });

  const stats = program
    .command('stats')
    .description('compute the reference features of real images once, for gankit eval --stats')
    .requiredOption('--out <file>', 'JSON file to write')
    .option(
      '--data <dir>',
      "Fashion-MNIST folder (default: Debian's full set where installed, else the bundled subset)",
    )
    .option(
      '--features <spec>',
      "feature network, 'fashion' (the shipped classifier) or 'inception:DIR' (a converted InceptionV3)",
    )
    .option('--backend <name>', BACKEND_HELP, backend, 'auto' as BackendChoice)
    .option('--threads <n>', THREADS_HELP, int(1))
    .action(async (opts) => {
      await statsCommand(opts, log);
    });

  const report = program
    .command('report')
    .description(
      "rebuild a run's report.html: loss curves, evaluations, sample grids, config (opens from disk)",
    )
    .argument('<runDir>', 'run folder')
    .option('--out <file>', 'HTML file to write (default <runDir>/report.html)')
    .action(async (runDir: string, opts) => {
      await reportCommand(runDir, opts, log);
    });

  const compare = program
    .command('compare')
    .description(
      'put two or more runs side by side: curves overlaid, end-of-run numbers, final grids, config differences',
    )
    .argument('<runDirs...>', 'run folders')
    .requiredOption('--out <file>', 'HTML file to write')
    .action(async (runDirs: string[], opts) => {
      await compareCommand(runDirs, opts, log);
    })
    .addHelpText(
      'after',
      examples('gankit compare runs/dcgan-fashion runs/dcgan-fashion-2 --out compare.html'),
    );

  const info = program
    .command('info')
    .description('versions, and which backend is chosen and why')
    .option(
      '--backend <name>',
      `backend to try (${BACKEND_CHOICES.join(', ')})`,
      backend,
      'auto' as BackendChoice,
    )
    .action(async (opts) => {
      await infoCommand(opts, log);
    });

  const presets = program
    .command('presets')
    .description('list the presets with a one-line description')
    .option('--plugin <module...>', PLUGIN_HELP)
    .action(async ({ plugin }) => {
      await loadPlugins(plugin);
      presetsCommand(log);
    });

  // `sweep status SPEC --redis URL`: options after a subcommand belong to it (commander needs
  // this on every command above a subcommand with options of its own)
  program.enablePositionalOptions();
  const sweepCommands = registerSweepCommands(program, {
    log,
    interrupted: (signal) => interruptions.set(program, signal),
  });

  // an unknown flag names the valid ones for that command
  for (const cmd of [
    train,
    config,
    schema,
    resume,
    sample,
    upscale,
    evaluate,
    stats,
    report,
    compare,
    info,
    presets,
    ...sweepCommands,
  ]) {
    cmd.exitOverride().showSuggestionAfterError(true);
    cmd.configureOutput({
      outputError: (str, write) => {
        // commander counts stray words but does not show them
        const stray = /too many arguments/.test(str) ? ` (got: ${cmd.args.join(' ')})` : '';
        write(`${str.trimEnd()}${stray}\n(valid options of '${cmd.name()}': ${optionNames(cmd)})\n`);
      },
    });
  }
  program.configureOutput({
    outputError: (str, write) =>
      write(`${str.trimEnd()}\n(valid commands: ${program.commands.map((c) => c.name()).join(', ')})\n`),
  });
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 on success, 1 for a GanError (its message
 * printed), 2 for a usage error (commander has printed it), 128 + the signal's number (130
 * for SIGINT, 143 for SIGTERM) when a signal stopped a training run after saving its
 * checkpoint, so that scripts can tell an interrupted run from a finished one.
 * @param argv - process.argv
 * @returns the exit code
 */
export async function runCli(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    const signal = interruptions.get(program);
    return signal === undefined ? 0 : 128 + constants.signals[signal as NodeJS.Signals];
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0
        ? 0
        : 2;
    }
    if (e instanceof GanError) {
      console.error(`gankit: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
