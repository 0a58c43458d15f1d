import { CommandRunner, Option } from 'nest-commander';

/** A command whose output is a table or text for people, or with --json the data itself for scripts. */
export abstract class JsonOutputCommand extends CommandRunner {
  @Option({ flags: '--json', description: 'print JSON instead of text' })
  parseJson(): boolean {
    return true;
  }
}
