import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { CliError, EXIT, usageError } from '../cli-error.js';
import { configPath, readContexts, stripSlash, writeContexts } from '../contexts.js';
import { printJson, table } from '../output.js';
import type { Session } from '../session.js';

/** `login`, `logout`, `contexts`, `use-context`: which server the CLI talks to, with which token. */
export function contextCommands(program: Command, session: Session): void {
  program
    .command('login')
    .description('check a token against a server and save them as a context (the current one)')
    .requiredOption('--url <url>', 'the server, e.g. http://127.0.0.1:8080')
    .requiredOption('--token <token>', 'an API token')
    .option('--name <context>', 'the context name', 'default')
    .action(async (opts: { url: string; token: string; name: string }) => {
      let url: string;
      try {
        url = stripSlash(new URL(opts.url).toString());
      } catch {
        throw usageError(`--url ${opts.url} is not a URL (e.g. http://127.0.0.1:8080)`);
      }
      // A read every role may do: the token works on this server.
      await new ApiClient({ url, token: opts.token }).get('/projects');
      const file = await readContexts();
      file.contexts[opts.name] = { url, token: opts.token };
      file.current = opts.name;
      await writeContexts(file);
      session.out.line(`logged in to ${url} (context ${opts.name}, saved in ${configPath()})`);
    });

  program
    .command('logout')
    .description('forget a context and its token (the current one by default)')
    .argument('[context]', 'the context name')
    .action(async (name: string | undefined) => {
      const file = await readContexts();
      const which = name ?? file.current;
      if (!which || !file.contexts[which]) throw new CliError(`no context named ${which ?? '(none is current)'}`, EXIT.NOT_FOUND);
      delete file.contexts[which];
      if (file.current === which) file.current = null;
      await writeContexts(file);
      session.out.line(`forgot context ${which}`);
    });

  program
    .command('contexts')
    .description('the saved contexts; * marks the current one')
    .option('--json', 'print JSON (tokens left out)')
    .action(async (opts: { json?: boolean }) => {
      const file = await readContexts();
      const rows = Object.entries(file.contexts).map(([name, c]) => ({ name, url: c.url, current: name === file.current }));
      if (opts.json) return printJson(session.out, { current: file.current, items: rows });
      if (rows.length === 0) return session.out.line('no context saved: slipway login --url URL --token TOKEN');
      for (const line of table(['', 'name', 'url'], rows.map((r) => [r.current ? '*' : '', r.name, r.url]))) session.out.line(line);
    });

  program
    .command('use-context')
    .description('make a saved context the current one')
    .argument('<context>', 'the context name')
    .action(async (name: string) => {
      const file = await readContexts();
      if (!file.contexts[name]) throw new CliError(`no context named ${name}; see slipway contexts`, EXIT.NOT_FOUND);
      file.current = name;
      await writeContexts(file);
      session.out.line(`current context: ${name}`);
    });
}
