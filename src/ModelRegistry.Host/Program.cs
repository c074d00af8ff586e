using ModelRegistry.Host;

return await RegistryHost.RunAsync(args);
