namespace ModelRegistry.Testing;

/// <summary>An isolated environment with one real host process running every worker, and an observer of its events.</summary>
public sealed class RunningRegistry : IsolatedEnvironment
{
    public HostProcess Host { get; private set; } = null!;
    public RegistryObserver Observer { get; private set; } = null!;
    public TrainingPipeline Pipeline => new(SourceRoot);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Host = HostProcess.StartHost(EnvironmentVariables);
        await Host.WaitUntilStartedAsync();
        Observer = await RegistryObserver.StartAsync(RabbitMq);
    }

    public override async Task DisposeAsync()
    {
        if (Observer is not null) await Observer.DisposeAsync();
        if (Host is not null) await Host.DisposeAsync();
        await base.DisposeAsync();
    }
}
