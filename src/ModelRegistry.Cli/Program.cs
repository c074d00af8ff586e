using ModelRegistry.Cli;

return await MregCommand.RunAsync(args, Console.Error);
