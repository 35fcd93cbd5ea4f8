import type { Command } from 'commander';
import type { CommandContext } from '../context';

/** Wraps a command's body into a commander action: builds its context, lets errors reach `runCli`. */
export type ActionFactory = <A extends unknown[]>(
  fn: (ctx: CommandContext, ...args: A) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

/** Builds one top-level command. */
export type Register = (action: ActionFactory) => Command;
