using ModelRegistry.Cli;

return await MregCommand.Build().Parse(args).InvokeAsync();
